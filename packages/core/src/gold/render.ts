import type { Dialect, Expr } from "../sql/ast";
import { literal } from "../sql/quote";
import { renderExpr, renderType } from "../sql/render";
import { GoldSpecError } from "./errors";
import type { GoldAggregate, GoldExpr, GoldTable, GoldType } from "./spec";

// Gold SQL reads tables only, never files, so DuckDB's file resolver is never consulted.
const contextOf = (dialect: Dialect) =>
  dialect === "athena"
    ? ({ dialect } as const)
    : ({
        dialect,
        files: (uri: string): string[] => {
          throw new GoldSpecError(`gold SQL reads tables, not files (asked for ${uri})`);
        },
      } as const);

/**
 * Renders a plain expression (delegating to the SQL module) in a dialect.
 * @param value the expression
 * @param dialect the dialect
 */
export const expr = (value: Expr, dialect: Dialect): string => renderExpr(value, contextOf(dialect));

/**
 * Renders a column type for DML casts (Trino names on Athena, DuckDB's otherwise).
 * @param type the type
 * @param dialect the dialect
 */
export function dmlType(type: GoldType, dialect: Dialect): string {
  if (type === "date") return dialect === "athena" ? "date" : "DATE";
  return renderType(type, dialect);
}

/**
 * Renders a dimension's expression.
 * @param value silver expression or the date of one
 * @param dialect the dialect
 */
export function goldExpr(value: GoldExpr, dialect: Dialect): string {
  if (value.kind === "date") return `CAST(${expr(value.of, dialect)} AS ${dmlType("date", dialect)})`;
  return expr(value, dialect);
}

/** Decimal places computed doubles are rounded to. */
export const GOLD_DOUBLE_DIGITS = 9;

/**
 * Renders an aggregate over the rows of a group. `first`/`last` keep NULL values of `of`
 * on both engines (Trino's min_by/max_by do; DuckDB needs its `_null` variants). Computed
 * doubles (sums, averages, ratios, differences) are rounded to {@link GOLD_DOUBLE_DIGITS}
 * places: a distributed sum adds in a different order each run, and its last bits must not
 * turn a re-run into an update.
 * @param aggregate the aggregate
 * @param table the table it belongs to (derived aggregates name others of it)
 * @param dialect the dialect
 */
export function aggregateSql(aggregate: GoldAggregate, table: GoldTable, dialect: Dialect): string {
  const sql = unroundedSql(aggregate, table, dialect);
  const computed =
    aggregate.kind === "sum" ||
    aggregate.kind === "avg" ||
    aggregate.kind === "ratio" ||
    aggregate.kind === "difference";
  return computed && (aggregate.type ?? "double") === "double" ? `round(${sql}, ${GOLD_DOUBLE_DIGITS})` : sql;
}

function unroundedSql(aggregate: GoldAggregate, table: GoldTable, dialect: Dialect): string {
  const r = (value: Expr): string => expr(value, dialect);
  const named = (name: string): string => {
    const found = table.aggregates.find((a) => a.name === name);
    if (!found) throw new GoldSpecError(`gold table ${table.name}: ${aggregate.name} names unknown aggregate ${name}`);
    return unroundedSql(found, table, dialect);
  };
  const double = dmlType("double", dialect);
  switch (aggregate.kind) {
    case "count":
      return "count(*)";
    case "countDistinct":
      return `count(DISTINCT ${r(aggregate.of)})`;
    case "sum":
    case "avg":
    case "min":
    case "max":
      return `${aggregate.kind}(${r(aggregate.of)})`;
    case "first":
      return `${dialect === "athena" ? "min_by" : "arg_min_null"}(${r(aggregate.of)}, ${r(aggregate.by)})`;
    case "last":
      return `${dialect === "athena" ? "max_by" : "arg_max_null"}(${r(aggregate.of)}, ${r(aggregate.by)})`;
    case "ratio": {
      const denominator = named(aggregate.denominator);
      return `(CASE WHEN (${denominator} <> 0) THEN ((CAST(${named(aggregate.numerator)} AS ${double}) / ${denominator}) * ${literal(aggregate.scale ?? 1)}) END)`;
    }
    case "difference":
      return `(${named(aggregate.minuend)} - ${named(aggregate.subtrahend)})`;
  }
}
