import { bronzeSqlType, earlierNames } from "../dataset/schema";
import type { DatasetSpec, Field } from "../dataset/spec";
import type { ColumnDef, Expr, SqlType } from "../sql/ast";
import { and, binary, call, cast, column, lit } from "../sql/ast";
import { SilverSpecError } from "./errors";
import { partitionColumnNames } from "./partition";
import type { CleanseRule, OriginColumn, PartitionSpec, RatioColumn, SilverSpec, YearMonthDayPartition } from "./spec";

/** Lineage columns bronze adds to every record, carried into silver. */
export const LINEAGE_COLUMNS: readonly ColumnDef[] = [
  { name: "_extra", type: "varchar" },
  { name: "_source_key", type: "varchar" },
  { name: "_record_index", type: "bigint" },
  { name: "_source_line", type: "bigint" },
];

/** A silver column: its definition and how it is computed from a bronze row. */
export interface SilverColumn extends ColumnDef {
  expr: Expr;
  /** A renamed field's earlier column names: silver partitions written before the rename hold it there. */
  renamedFrom?: string[];
}

/** Silver's columns: data columns (in table order) then the partition columns. */
export interface SilverColumns {
  data: SilverColumn[];
  partition: SilverColumn[];
}

// How each bronze leaf becomes a silver column: strings trimmed (and cleansed), timestamps
// parsed from their ISO text, dates cast, lists kept as bronze holds them.
function leafColumn(field: Leaf, path: string[], cleanse: CleanseRule | undefined): { type: SqlType; expr: Expr } {
  const bronze = column(...path);
  switch (field.type) {
    case "string": {
      const trimmed = call("trim", bronze);
      return { type: "varchar", expr: cleanse ? call(cleanse, trimmed) : trimmed };
    }
    case "timestamp":
      return { type: "timestamp", expr: call("parse_timestamp", bronze) };
    case "date":
      return { type: "date", expr: cast(bronze, "date") };
    case "integer":
      return { type: "bigint", expr: cast(bronze, "bigint") };
    case "double":
    case "boolean":
      return { type: field.type, expr: cast(bronze, field.type) };
    case "list":
      return { type: bronzeSqlType(field), expr: bronze };
  }
}

type Leaf = Exclude<Field, { type: "struct" }>;

/**
 * The data columns a silver catalog table declares: each column, then a renamed column's
 * earlier names (same type), through which Athena reads partitions written before the rename.
 * @param data silver's data columns ({@link silverColumns})
 */
export function catalogColumns(data: readonly SilverColumn[]): ColumnDef[] {
  return [
    ...data.map(({ name, type }) => ({ name, type })),
    ...data.flatMap(({ type, renamedFrom = [] }) => renamedFrom.map((name) => ({ name, type }))),
  ];
}

/**
 * The silver section of a spec, or a clear error if the dataset has none.
 * @param spec dataset spec
 */
export function silverSpecOf(spec: DatasetSpec): SilverSpec {
  if (!spec.silver) throw new SilverSpecError(`dataset ${spec.name} has no silver section in its spec`);
  return spec.silver;
}

/**
 * The year/month/day partition columns of a dataset, for consumers (gold windows) that need
 * that form; a clear error for a dataset partitioned by one `yyyymmdd` column.
 * @param spec dataset spec with a silver section
 */
export function yearMonthDayPartitionOf(spec: DatasetSpec): YearMonthDayPartition {
  const { partition } = silverSpecOf(spec);
  if ("yyyymmdd" in partition)
    throw new SilverSpecError(
      `dataset ${spec.name}: silver is partitioned by ${partition.yyyymmdd} (yyyymmdd), not by year, month and day`,
    );
  return partition;
}

// Each leaf's path under the spec's names, then its paths under earlier names (a renamed field,
// or a field of a renamed struct), where files written before a rename hold it.
function flatten(
  fields: Field[],
  path: string[] = [],
  earlier: string[][] = [],
): { path: string[]; earlier: string[][]; field: Leaf }[] {
  return fields.flatMap((field) => {
    const here = [...path, field.name];
    const before = [
      ...earlier.map((p) => [...p, field.name]),
      ...earlierNames(field).flatMap((old) => [path, ...earlier].map((p) => [...p, old])),
    ];
    return field.type === "struct" ? flatten(field.fields, here, before) : [{ path: here, earlier: before, field }];
  });
}

function ratioColumn(d: RatioColumn, source: (name: string, role: string) => Expr): SilverColumn {
  const numerator = source(d.numerator, `derived column ${d.name}`);
  const denominator = source(d.denominator, `derived column ${d.name}`);
  const quotient: Expr = { kind: "binary", op: "/", left: numerator, right: denominator };
  const ratio: Expr =
    d.scale === undefined || d.scale === 1
      ? quotient
      : { kind: "binary", op: "*", left: quotient, right: lit(d.scale) };
  // Comparing with 0 is NULL when the denominator is missing, so both cases give NULL.
  return {
    name: d.name,
    type: "double",
    expr: {
      kind: "case",
      whens: [{ when: { kind: "binary", op: "<>", left: denominator, right: lit(0) }, then: ratio }],
    },
  };
}

// Prefix match as a range (`prefix <= key < prefix with its last character bumped`): both
// engines order varchar by code point, and the AST needs no LIKE, so nothing is escaped.
function startsWith(expr: Expr, prefix: string): Expr {
  const last = prefix.charCodeAt(prefix.length - 1);
  const upper = prefix.slice(0, -1) + String.fromCharCode(last + 1);
  return and(binary(expr, ">=", lit(prefix)), binary(expr, "<", lit(upper)));
}

function originColumn(d: OriginColumn, dataset: string, byName: Map<string, SilverColumn>): SilverColumn {
  const whens: { when: Expr; then: Expr }[] = [];
  if (d.field !== undefined) {
    const field = byName.get(d.field);
    if (!field) throw new SilverSpecError(`dataset ${dataset}: origin column ${d.name} names unknown field ${d.field}`);
    if (field.type !== "varchar")
      throw new SilverSpecError(
        `dataset ${dataset}: origin column ${d.name} reads ${d.field}, which is not a string column`,
      );
    // The field is already trimmed: blank and missing both fall through to the landing key.
    whens.push({ when: binary(field.expr, "<>", lit("")), then: field.expr });
  }
  for (const rule of d.rules) {
    if (rule.prefix === "")
      throw new SilverSpecError(`dataset ${dataset}: origin column ${d.name} has a rule with an empty prefix`);
    whens.push({ when: startsWith(column("_source_key"), rule.prefix), then: lit(rule.value) });
  }
  if (whens.length === 0)
    throw new SilverSpecError(`dataset ${dataset}: origin column ${d.name} has neither a field nor rules`);
  return { name: d.name, type: "varchar", expr: { kind: "case", whens } };
}

function partitionColumns(partition: PartitionSpec, timestamp: Expr): SilverColumn[] {
  if ("yyyymmdd" in partition) {
    const scaled = (fn: "year" | "month", by: number): Expr => binary(call(fn, timestamp), "*", lit(by));
    const key = binary(binary(scaled("year", 10_000), "+", scaled("month", 100)), "+", call("day", timestamp));
    return [{ name: partition.yyyymmdd, type: "integer", expr: cast(key, "integer") }];
  }
  const names = partitionColumnNames(partition);
  return (["year", "month", "day"] as const).map((fn, i) => ({
    name: names[i]!,
    type: "integer",
    expr: cast(call(fn, timestamp), "integer"),
  }));
}

/**
 * The bronze path of the timestamp a dataset is partitioned by: its silver column may be a
 * struct's field, flattened (`properties_time` is `properties.time` in bronze).
 * @param spec dataset spec with a silver section
 * @example partitionSourcePath(quakes) // ["properties", "time"]
 */
export function partitionSourcePath(spec: DatasetSpec): string[] {
  const { from } = silverSpecOf(spec).partition;
  const found = flatten(spec.fields).find(({ path }) => path.join("_") === from);
  if (!found) throw new SilverSpecError(`dataset ${spec.name}: partition names unknown column ${from}`);
  return found.path;
}

/**
 * Derives silver's columns from a dataset spec: structs flattened with `_` (so a struct's
 * field can partition or dedup: `properties_time`), strings trimmed and cleansed, timestamps
 * parsed, integers BIGINT, dates DATE, lists kept, ratios and origins computed, date
 * partitions from the timestamp.
 * @param spec dataset spec with a silver section
 * @example silverColumns(carTelemetry).data.map((c) => c.name) // [..., "metrics_trip_tripMileage", ...]
 */
export function silverColumns(spec: DatasetSpec): SilverColumns {
  const silver = silverSpecOf(spec);
  const byName = new Map<string, SilverColumn>();
  for (const { path, earlier, field } of flatten(spec.fields)) {
    const name = path.join("_");
    if (byName.has(name)) throw new SilverSpecError(`dataset ${spec.name}: two fields flatten to the column ${name}`);
    const column = { name, ...leafColumn(field, path, silver.cleanse?.[name]) };
    // A renamed field reads the earlier name in bronze files written before the rename.
    const exprs = [column.expr, ...earlier.map((p) => leafColumn(field, p, silver.cleanse?.[name]).expr)];
    byName.set(
      name,
      earlier.length
        ? { ...column, expr: call("coalesce", ...exprs), renamedFrom: earlier.map((p) => p.join("_")) }
        : column,
    );
  }
  for (const name of Object.keys(silver.cleanse ?? {})) {
    if (byName.get(name)?.type !== "varchar")
      throw new SilverSpecError(`dataset ${spec.name}: cleanse rule for ${name}, which is not a string column`);
  }
  const source = (name: string, role: string): Expr => {
    const found = byName.get(name);
    if (!found) throw new SilverSpecError(`dataset ${spec.name}: ${role} names unknown column ${name}`);
    return found.expr;
  };
  for (const d of silver.derived ?? []) {
    const derived = d.kind === "ratio" ? ratioColumn(d, source) : originColumn(d, spec.name, byName);
    // An origin column may refine the record's own field of the same name, in its place.
    if (byName.has(d.name) && !(d.kind === "origin" && d.field === d.name))
      throw new SilverSpecError(`dataset ${spec.name}: column ${d.name} is defined twice`);
    byName.set(d.name, derived);
  }
  const timestamp = source(silver.partition.from, "partition");
  if (byName.get(silver.partition.from)?.type !== "timestamp")
    throw new SilverSpecError(
      `dataset ${spec.name}: partition column source ${silver.partition.from} is not a timestamp`,
    );
  const partition = partitionColumns(silver.partition, timestamp);
  const lineage: SilverColumn[] = LINEAGE_COLUMNS.map(({ name, type }) => ({
    name,
    type,
    expr: cast(column(name), type),
  }));
  const data = [...byName.values(), ...lineage];
  const names = new Set<string>();
  for (const { name } of [...data, ...partition]) {
    if (names.has(name)) throw new SilverSpecError(`dataset ${spec.name}: column ${name} is defined twice`);
    names.add(name);
  }
  for (const key of partition.map((p) => p.name)) {
    if (!silver.dedup.key.includes(key))
      throw new SilverSpecError(`dataset ${spec.name}: dedup key must include partition column ${key}`);
  }
  for (const name of [...silver.dedup.key, ...silver.dedup.order.map((o) => o.column)]) {
    if (!names.has(name)) throw new SilverSpecError(`dataset ${spec.name}: dedup names unknown column ${name}`);
  }
  return { data, partition };
}
