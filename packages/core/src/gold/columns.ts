import { GoldSpecError } from "./errors";
import type { GoldAggregate, GoldColumn, GoldTable, GoldType } from "./spec";

const outputType = (aggregate: GoldAggregate): GoldType =>
  aggregate.type ?? (aggregate.kind === "count" || aggregate.kind === "countDistinct" ? "bigint" : "double");

/**
 * A gold table's columns in table order (dimensions, then aggregates), after checking the
 * spec: unique names, key and partition columns among the dimensions, at least one
 * aggregate, and derived aggregates (ratio, difference) naming plain ones.
 * @param table the gold table spec
 * @example goldColumns(carMonthly).map((c) => c.name) // ["car", "year", "month", "days_reported", ...]
 */
export function goldColumns(table: GoldTable): GoldColumn[] {
  const fail = (reason: string): never => {
    throw new GoldSpecError(`gold table ${table.name}: ${reason}`);
  };
  if (!/^[a-z][a-z0-9_]*$/.test(table.name)) fail("name must match [a-z][a-z0-9_]*");
  const columns: GoldColumn[] = [
    ...table.dimensions.map(({ name, type }) => ({ name, type })),
    ...table.aggregates.map((aggregate) => ({ name: aggregate.name, type: outputType(aggregate) })),
  ];
  const seen = new Set<string>();
  for (const { name } of columns) {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) fail(`column ${JSON.stringify(name)} must match [a-z][a-z0-9_]*`);
    if (seen.has(name)) fail(`column ${name} is defined twice`);
    seen.add(name);
  }
  const dimensions = new Set(table.dimensions.map((d) => d.name));
  if (table.key.length === 0) fail("merge key is empty");
  for (const name of table.key) if (!dimensions.has(name)) fail(`merge key ${name} is not a dimension`);
  for (const name of table.partitionBy) if (!dimensions.has(name)) fail(`partition column ${name} is not a dimension`);
  if (table.aggregates.length === 0) fail("has no aggregates");
  const plain = new Map(
    table.aggregates.filter((a) => a.kind !== "ratio" && a.kind !== "difference").map((a) => [a.name, a]),
  );
  for (const aggregate of table.aggregates) {
    const refs =
      aggregate.kind === "ratio"
        ? [aggregate.numerator, aggregate.denominator]
        : aggregate.kind === "difference"
          ? [aggregate.minuend, aggregate.subtrahend]
          : [];
    for (const ref of refs)
      if (!plain.has(ref))
        fail(`${aggregate.kind} ${aggregate.name} names ${ref}, which is not a plain aggregate of the table`);
  }
  return columns;
}

/**
 * The non-key columns of a gold table: what a MERGE updates.
 * @param table the gold table spec
 */
export function valueColumns(table: GoldTable): GoldColumn[] {
  return goldColumns(table).filter(({ name }) => !table.key.includes(name));
}
