import type { GoldExpr } from "../gold/spec";
import type { SpecIssue } from "./errors";
import type { DatasetSpec, Field } from "./spec";

// Silver carries bronze's lineage columns after the spec's own.
const LINEAGE = ["_extra", "_source_key", "_record_index", "_source_line"];

/**
 * Checks that every column a silver or gold expression of a spec names exists where it is
 * read: silver's rules (cleanse, derived columns, partition source, dedup) name the record's
 * flattened fields (`wind.gust_ms` is `wind_gust_ms`) or columns derived before them; gold's
 * dimensions and aggregates name silver's columns (fields, derived, partition and lineage
 * columns). Each mistake names the table, the expression and the closest candidates.
 * @param spec a spec whose shape is already checked
 * @returns one issue per unknown column (none when every reference resolves)
 * @example checkReferences(spec) // [{ path: "gold.tables[0].aggregates[1]", reason: "… names column temprature, … did you mean temperature_c? …" }]
 */
export function checkReferences(spec: DatasetSpec): SpecIssue[] {
  const silver = spec.silver;
  if (!silver) return [];
  const table = `silver.${spec.name}`;
  const issues: SpecIssue[] = [];
  const known = new Set(flattenedNames(spec.fields));
  const expect = (path: string, expression: string, name: string, available: Iterable<string>): void => {
    const names = [...available];
    if (!names.includes(name)) issues.push({ path, reason: unknownColumn(table, expression, name, names) });
  };

  for (const column of Object.keys(silver.cleanse ?? {}))
    expect(`silver.cleanse.${column}`, `cleanse rule for ${column}`, column, known);
  (silver.derived ?? []).forEach((derived, index) => {
    const path = `silver.derived[${index}]`;
    if (derived.kind === "ratio") {
      expect(`${path}.numerator`, `derived column ${derived.name} (ratio)`, derived.numerator, known);
      expect(`${path}.denominator`, `derived column ${derived.name} (ratio)`, derived.denominator, known);
    } else if (derived.kind === "origin" && derived.field !== undefined) {
      expect(`${path}.field`, `derived column ${derived.name} (origin)`, derived.field, known);
    }
    // A derived column may be read by the ones after it.
    known.add(derived.name);
  });
  expect("silver.partition.from", "partition source", silver.partition.from, known);
  const partition =
    "yyyymmdd" in silver.partition
      ? [silver.partition.yyyymmdd]
      : [silver.partition.year, silver.partition.month, silver.partition.day];
  const columns = new Set([...known, ...LINEAGE, ...partition]);
  silver.dedup.key.forEach((name, index) => {
    expect(`silver.dedup.key[${index}]`, "dedup key", name, columns);
  });
  silver.dedup.order.forEach((order, index) => {
    expect(`silver.dedup.order[${index}]`, "dedup order", order.column, columns);
  });

  spec.gold?.tables.forEach((gold, t) => {
    const read = (path: string, what: string, expr: GoldExpr | undefined): void => {
      for (const ref of columnPaths(expr)) {
        const name = ref[0]!;
        const expression = `gold table ${gold.name}: ${what} = ${describe(expr!)}`;
        // Silver is flat: a struct path names the flattened column instead.
        if (ref.length > 1 && columns.has(ref.join("_")))
          issues.push({
            path,
            reason: `${expression} reads ${ref.join(".")}, but ${table} flattens structs: name the column ${ref.join("_")}`,
          });
        else expect(path, expression, name, columns);
      }
    };
    gold.dimensions.forEach((dimension, index) => {
      read(`gold.tables[${t}].dimensions[${index}]`, `dimension ${dimension.name}`, dimension.expr);
    });
    gold.aggregates.forEach((aggregate, index) => {
      const path = `gold.tables[${t}].aggregates[${index}]`;
      if ("of" in aggregate) read(path, `aggregate ${aggregate.name} (${aggregate.kind})`, aggregate.of);
      if ("by" in aggregate) read(path, `aggregate ${aggregate.name} (${aggregate.kind} by)`, aggregate.by);
    });
  });
  return issues;
}

/** Column names of fields, structs flattened with `_`, as silver names them. */
function flattenedNames(fields: Field[], prefix = ""): string[] {
  return fields.flatMap((field) =>
    field.type === "struct" ? flattenedNames(field.fields, `${prefix}${field.name}_`) : [`${prefix}${field.name}`],
  );
}

/** Every column path an expression reads, found anywhere in its tree. */
function columnPaths(expr: unknown): string[][] {
  if (Array.isArray(expr)) return expr.flatMap(columnPaths);
  if (typeof expr !== "object" || expr === null) return [];
  const node = expr as { kind?: unknown; path?: unknown };
  if (node.kind === "column" && Array.isArray(node.path) && node.path.length > 0) return [node.path as string[]];
  return Object.values(expr).flatMap(columnPaths);
}

/** A short, readable form of an expression for a message: `max(temperature_c)`. */
function describe(expr: GoldExpr): string {
  const node = expr as { kind: string } & Record<string, unknown>;
  switch (node.kind) {
    case "column":
      return (node.path as string[]).join(".");
    case "literal":
      return JSON.stringify(node.value);
    case "date":
      return `date(${describe(node.of as GoldExpr)})`;
    case "call":
      return `${String(node.fn)}(${(node.args as GoldExpr[]).map(describe).join(", ")})`;
    case "binary":
      return `${describe(node.left as GoldExpr)} ${String(node.op)} ${describe(node.right as GoldExpr)}`;
    case "cast":
      return `cast(${describe(node.expr as GoldExpr)} as ${String(node.type)})`;
    default:
      return `${node.kind}(…)`;
  }
}

function unknownColumn(table: string, expression: string, name: string, available: string[]): string {
  const closest = candidates(name, available);
  const hint = closest.length ? `did you mean ${closest.join(" or ")}? ` : "";
  const listed = available.length > 30 ? [...available.slice(0, 30), "…"] : available;
  return `${expression} names column ${name}, which ${table} does not have (${hint}columns: ${listed.join(", ")})`;
}

/** Up to three names close to `name`: same letters ignoring case first, then by edit distance. */
function candidates(name: string, available: string[]): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.floor(name.length / 3));
  return available
    .map((candidate) => ({
      candidate,
      distance: candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase()),
    }))
    .filter(({ distance, candidate }) => distance <= limit || candidate.toLowerCase().includes(lower))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 3)
    .map(({ candidate }) => candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
