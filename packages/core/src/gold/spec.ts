import type { DatasetSpec } from "../dataset/spec";
import type { Expr, SqlType } from "../sql/ast";
import { GoldSpecError } from "./errors";

/**
 * Gold tables are configuration: each is an aggregate of silver, grouped by its dimensions,
 * merged into an Iceberg table (a DuckDB table locally) on its merge key.
 */

/** Column types of gold tables: the SQL tree's (calendar dates among them). */
export type GoldType = SqlType;

/** A value computed from one silver row: a silver expression, or the calendar date of one. */
export type GoldExpr = Expr | { kind: "date"; of: Expr };

/** A group-by column of a gold table. */
export interface GoldDimension {
  name: string;
  type: GoldType;
  expr: GoldExpr;
}

/** An aggregate over the silver rows of one group. Output type: bigint for counts, double otherwise unless `type` says. */
export type GoldAggregate = { name: string; type?: GoldType } & (
  | { kind: "count" }
  | { kind: "countDistinct"; of: Expr }
  | { kind: "sum" | "avg" | "min" | "max"; of: Expr }
  /** The value of `of` on the row with the smallest (`first`) or largest (`last`) `by`. */
  | { kind: "first" | "last"; of: Expr; by: Expr }
  /** `numerator / denominator × scale` of two other aggregates of the table; NULL when the denominator is 0 or NULL. */
  | { kind: "ratio"; numerator: string; denominator: string; scale?: number }
  /** `minuend − subtrahend` of two other aggregates of the table. */
  | { kind: "difference"; minuend: string; subtrahend: string }
);

/**
 * How much silver one affected partition pulls in: `month` re-reads every day of the
 * partition's month (the aggregate spans the month), `day` only that day.
 */
export type GoldWindow = "month" | "day";

/** One gold table. */
export interface GoldTable {
  /** Table name inside the gold database, e.g. `car_monthly`. */
  name: string;
  description?: string;
  /** Merge key: names of dimensions that identify a row. Usually every dimension. */
  key: string[];
  /** Group-by columns, in table order. */
  dimensions: GoldDimension[];
  /** Aggregate columns, in table order, after the dimensions. */
  aggregates: GoldAggregate[];
  /**
   * Identity partition columns (dimension names). Must be constant inside one window, so a
   * statement over N windows writes at most N partitions.
   */
  partitionBy: string[];
  window: GoldWindow;
}

/** The gold section of a dataset spec. */
export interface GoldSpec {
  /** Database (Glue database on AWS, schema locally); default `gold`. */
  database?: string;
  tables: GoldTable[];
}

/** A gold table's column: name and type, in table order. */
export interface GoldColumn {
  name: string;
  type: GoldType;
}

/**
 * True when a dataset spec has gold tables (datasets without are skipped by the pipeline).
 * @param spec dataset spec
 */
export function hasGold(spec: DatasetSpec): boolean {
  return (spec.gold?.tables.length ?? 0) > 0;
}

/**
 * The gold section of a dataset spec, or a clear error if it has none.
 * @param spec dataset spec
 */
export function goldSpecOf(spec: DatasetSpec): GoldSpec {
  const gold = spec.gold;
  if (!gold) throw new GoldSpecError(`dataset ${spec.name} has no gold section in its spec`);
  return gold;
}
