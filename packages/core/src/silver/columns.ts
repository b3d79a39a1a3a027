import type { DatasetSpec, Field } from "../dataset/spec";
import { call, cast, column, lit } from "../sql/ast";
import type { ColumnDef, Expr, SqlType } from "../sql/ast";
import { SilverSpecError } from "./errors";
import type { SilverSpec } from "./spec";

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
}

/** Silver's columns: data columns (in table order) then the partition columns. */
export interface SilverColumns {
  data: SilverColumn[];
  partition: SilverColumn[];
}

const SCALAR_TYPES: Record<string, SqlType> = { string: "varchar", double: "double", boolean: "boolean", timestamp: "timestamp" };

/**
 * The silver section of a spec, or a clear error if the dataset has none.
 * @param spec dataset spec
 */
export function silverSpecOf(spec: DatasetSpec): SilverSpec {
  if (!spec.silver) throw new SilverSpecError(`dataset ${spec.name} has no silver section in its spec`);
  return spec.silver;
}

function flatten(fields: Field[], path: string[] = []): { path: string[]; field: Exclude<Field, { type: "struct" }> }[] {
  return fields.flatMap((field) => (field.type === "struct" ? flatten(field.fields, [...path, field.name]) : [{ path: [...path, field.name], field }]));
}

/**
 * Derives silver's columns from a dataset spec: structs flattened with `_`, strings trimmed
 * and cleansed, timestamps parsed, ratios computed, date partitions from the timestamp.
 * @param spec dataset spec with a silver section
 * @example silverColumns(carTelemetry).data.map((c) => c.name) // [..., "metrics_trip_tripMileage", ...]
 */
export function silverColumns(spec: DatasetSpec): SilverColumns {
  const silver = silverSpecOf(spec);
  const byName = new Map<string, SilverColumn>();
  for (const { path, field } of flatten(spec.fields)) {
    const name = path.join("_");
    if (byName.has(name)) throw new SilverSpecError(`dataset ${spec.name}: two fields flatten to the column ${name}`);
    const type = SCALAR_TYPES[field.type]!;
    let expr = column(...path);
    if (field.type === "string") {
      expr = call("trim", expr);
      const rule = silver.cleanse?.[name];
      if (rule) expr = call(rule, expr);
    } else if (field.type === "timestamp") {
      expr = call("parse_timestamp", expr);
    } else {
      expr = cast(expr, type);
    }
    byName.set(name, { name, type, expr });
  }
  for (const name of Object.keys(silver.cleanse ?? {})) {
    if (byName.get(name)?.type !== "varchar") throw new SilverSpecError(`dataset ${spec.name}: cleanse rule for ${name}, which is not a string column`);
  }
  const source = (name: string, role: string): Expr => {
    const found = byName.get(name);
    if (!found) throw new SilverSpecError(`dataset ${spec.name}: ${role} names unknown column ${name}`);
    return found.expr;
  };
  const derived: SilverColumn[] = (silver.derived ?? []).map((d) => {
    const numerator = source(d.numerator, `derived column ${d.name}`);
    const denominator = source(d.denominator, `derived column ${d.name}`);
    const quotient: Expr = { kind: "binary", op: "/", left: numerator, right: denominator };
    const ratio: Expr = d.scale === undefined || d.scale === 1 ? quotient : { kind: "binary", op: "*", left: quotient, right: lit(d.scale) };
    // Comparing with 0 is NULL when the denominator is missing, so both cases give NULL.
    return { name: d.name, type: "double", expr: { kind: "case", whens: [{ when: { kind: "binary", op: "<>", left: denominator, right: lit(0) }, then: ratio }] } };
  });
  const { from, year, month, day } = silver.partition;
  const timestamp = source(from, "partition");
  if (byName.get(from)?.type !== "timestamp") throw new SilverSpecError(`dataset ${spec.name}: partition column source ${from} is not a timestamp`);
  const partition: SilverColumn[] = ([[year, "year"], [month, "month"], [day, "day"]] as const).map(([name, fn]) => ({
    name,
    type: "integer",
    expr: cast(call(fn, timestamp), "integer"),
  }));
  const lineage: SilverColumn[] = LINEAGE_COLUMNS.map(({ name, type }) => ({ name, type, expr: cast(column(name), type) }));
  const data = [...byName.values(), ...derived, ...lineage];
  const names = new Set<string>();
  for (const { name } of [...data, ...partition]) {
    if (names.has(name)) throw new SilverSpecError(`dataset ${spec.name}: column ${name} is defined twice`);
    names.add(name);
  }
  for (const key of partition.map((p) => p.name)) {
    if (!silver.dedup.key.includes(key)) throw new SilverSpecError(`dataset ${spec.name}: dedup key must include partition column ${key}`);
  }
  for (const name of [...silver.dedup.key, ...silver.dedup.order.map((o) => o.column)]) {
    if (!names.has(name)) throw new SilverSpecError(`dataset ${spec.name}: dedup names unknown column ${name}`);
  }
  return { data, partition };
}
