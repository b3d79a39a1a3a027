import { bronzeSqlType, readFields } from "../dataset/schema";
import type { DatasetSpec } from "../dataset/spec";
import type { Expr, PartitionLocation, Query, Statement, TableRef } from "../sql/ast";
import { and, binary, column, lit } from "../sql/ast";
import type { SilverColumn } from "./columns";
import { LINEAGE_COLUMNS, silverColumns, silverSpecOf } from "./columns";
import { partitionColumnNames } from "./partition";

/** Inputs of {@link consolidationStatement}. */
export interface ConsolidationQueryOptions {
  spec: DatasetSpec;
  bronze: { table: TableRef; uris: string[]; ingestDates: string[] };
  silver: { table: TableRef; existing: PartitionLocation[] };
  /** Where the new version is written: `s3://bucket/<dataset>/_v=<id>/q<n>/`. */
  to: string;
  /**
   * Only the new rows whose partition ordinal ({@link partitionOrdinal}) lies in this range: one
   * of several statements that each write at most Athena's 100 partitions of a plan.
   */
  ordinals?: { from: number; to: number };
  /** Only the new rows whose partition ordinal is one of these: a recompute's days, which need not be consecutive. */
  days?: number[];
}

/**
 * The query that rebuilds the affected partitions: new bronze rows (transformed) unioned
 * with the existing rows of those partitions only, one row kept per dedup key.
 * @param options spec, bronze files, existing partitions
 */
export function consolidationQuery({
  spec,
  bronze,
  silver,
  ordinals,
  days,
}: Omit<ConsolidationQueryOptions, "to">): Query {
  const { dedup, partition } = silverSpecOf(spec);
  const columns = silverColumns(spec);
  const all = [...columns.data, ...columns.partition];
  const timestamp = columns.data.find((c) => c.name === partition.from)!;
  const fresh: Query = {
    kind: "select",
    columns: all.map(({ name, expr }) => ({ expr, as: name })),
    from: {
      kind: "files",
      table: bronze.table,
      uris: bronze.uris,
      // Bronze files of older schemas are read by name as the spec's fields (missing → NULL), a
      // renamed field's earlier name too.
      columns: [
        ...readFields(spec.fields).map((field) => ({ name: field.name, type: bronzeSqlType(field) })),
        ...LINEAGE_COLUMNS,
      ],
      ...(bronze.ingestDates.length ? { partitionFilter: { column: "ingest_date", values: bronze.ingestDates } } : {}),
    },
    // A reading without a usable time has no partition; bronze validation should have caught it.
    where: and(
      { kind: "isNull", expr: timestamp.expr, negated: true },
      ...(ordinals
        ? [
            binary(ordinalExpr(columns.partition), ">=", lit(ordinals.from)),
            binary(ordinalExpr(columns.partition), "<=", lit(ordinals.to)),
          ]
        : []),
      ...(days
        ? [{ kind: "in" as const, expr: ordinalExpr(columns.partition), values: days.map((day) => lit(day)) }]
        : []),
    ),
  };
  const existing: Query = {
    kind: "select",
    columns: all.map(({ name }) => ({ expr: column(name), as: name })),
    from: {
      kind: "partitions",
      table: silver.table,
      columns: columns.data,
      partitionColumns: columns.partition,
      partitions: silver.existing,
    },
  };
  const union: Query = silver.existing.length ? { kind: "unionAll", queries: [fresh, existing] } : fresh;
  return {
    kind: "firstPerGroup",
    query: union,
    columns: all.map(({ name }) => name),
    partitionBy: dedup.key.map((name) => column(name)),
    orderBy: [
      ...dedup.order.map(({ column: name, descending }) => ({ expr: column(name), descending: descending ?? false })),
      // Deterministic tie-breaker: the same input always keeps the same row.
      { expr: column("_source_key"), descending: true },
      { expr: column("_record_index"), descending: true },
    ],
  };
}

/**
 * The statement that writes the consolidated partitions to a new version prefix, one
 * Hive folder per partition.
 * @param options spec, bronze files, existing partitions, target prefix
 */
export function consolidationStatement(options: ConsolidationQueryOptions): Statement {
  const { partition } = silverSpecOf(options.spec);
  return {
    kind: "unload",
    query: consolidationQuery(options),
    to: options.to,
    partitionedBy: partitionColumnNames(partition),
  };
}

// The partition ordinal of a row, from its partition columns' expressions (see partitionOrdinal).
function ordinalExpr(partition: SilverColumn[]): Expr {
  if (partition.length === 1) return partition[0]!.expr;
  const [year, month, day] = partition.map((p) => p.expr) as [Expr, Expr, Expr];
  return binary(binary(binary(year, "*", lit(10_000)), "+", binary(month, "*", lit(100))), "+", day);
}
