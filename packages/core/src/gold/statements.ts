import { hiveType } from "../catalog/hive";
import type { YearMonthDayPartition } from "../silver/spec";
import type { Dialect, TableRef } from "../sql/ast";
import { hiveLiteral, literal, quoteHiveIdentifier, quoteIdentifier } from "../sql/quote";
import { goldColumns, valueColumns } from "./columns";
import { GoldSpecError } from "./errors";
import { aggregateSql, dmlType, expr, goldExpr } from "./render";
import { ownedRowsSql } from "./scope";
import type { GoldTable } from "./spec";
import type { WindowValues } from "./windows";
import { windowFilter } from "./windows";

/** Where a gold table's rows come from: silver, filtered to some windows. */
export interface GoldSource {
  table: GoldTable;
  silver: TableRef;
  windows: readonly WindowValues[];
  dialect: Dialect;
}

/** A gold table's target: the spec and where it lives. */
export interface GoldTarget {
  table: GoldTable;
  /** Database (Glue database on Athena, schema in DuckDB). */
  database: string;
  dialect: Dialect;
}

const q = quoteIdentifier;
const target = ({ table, database }: Pick<GoldTarget, "table" | "database">): string =>
  `${q(database)}.${q(table.name)}`;

/**
 * The aggregate over the windows' silver rows, one row per group: the MERGE source.
 * Groups by ordinal, so a dimension named like a silver column can never be read as it.
 * @param source table, silver table, windows, dialect
 */
export function sourceSql({ table, silver, windows, dialect }: GoldSource): string {
  const dimensions = table.dimensions.map((d) => `${goldExpr(d.expr, dialect)} AS ${q(d.name)}`);
  const aggregates = table.aggregates.map((a) => `${aggregateSql(a, table, dialect)} AS ${q(a.name)}`);
  const groupBy = table.dimensions.map((_, i) => String(i + 1)).join(", ");
  return `SELECT ${[...dimensions, ...aggregates].join(", ")} FROM ${q(silver.database)}.${q(silver.name)} WHERE ${expr(windowFilter(windows), dialect)} GROUP BY ${groupBy}`;
}

/**
 * DDL creating the gold table when missing. Athena: an Iceberg table (Hive-syntax DDL,
 * identity partitions, Parquet). DuckDB: the schema, then a table keyed on the merge key.
 * @param options table, database, dialect, and the S3 location (Athena)
 */
export function createTableSql({ table, database, dialect, location }: GoldTarget & { location?: string }): string[] {
  const columns = goldColumns(table);
  if (dialect === "athena") {
    if (!location)
      throw new GoldSpecError(
        `gold table ${table.name}: Athena needs an S3 location (warehouse) to create the Iceberg table`,
      );
    const definitions = columns.map(({ name, type }) => `${quoteHiveIdentifier(name)} ${hiveType(type)}`).join(", ");
    const partitioned = table.partitionBy.length
      ? ` PARTITIONED BY (${table.partitionBy.map(quoteHiveIdentifier).join(", ")})`
      : "";
    return [
      `CREATE TABLE IF NOT EXISTS ${quoteHiveIdentifier(database)}.${quoteHiveIdentifier(table.name)} (${definitions})${partitioned} ` +
        `LOCATION ${hiveLiteral(location)} TBLPROPERTIES ('table_type' = 'ICEBERG', 'format' = 'parquet', 'write_compression' = 'snappy')`,
    ];
  }
  const definitions = columns.map(({ name, type }) => `${q(name)} ${dmlType(type, dialect)}`);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${q(database)}`,
    `CREATE TABLE IF NOT EXISTS ${target({ table, database })} (${[...definitions, `PRIMARY KEY (${table.key.map(q).join(", ")})`].join(", ")})`,
  ];
}

const keyMatch = (table: GoldTable, left = "t", right = "s"): string =>
  table.key.map((name) => `(${q(left)}.${q(name)} = ${q(right)}.${q(name)})`).join(" AND ");

// Unchanged rows are not rewritten: re-running a window writes nothing (no new Iceberg
// snapshot of equal data), and the counts can tell updated from unchanged rows.
const changed = (table: GoldTable): string =>
  valueColumns(table)
    .map(({ name }) => `(${q("t")}.${q(name)} IS DISTINCT FROM ${q("s")}.${q(name)})`)
    .join(" OR ");

/**
 * Finds source keys the MERGE cannot take: present on several rows, or with a NULL part.
 * Returns the key columns and `rows`, at most `limit` rows.
 * @param options source and the most offending keys to return
 */
export function duplicateKeysSql({ limit = 10, ...source }: GoldSource & { limit?: number }): string {
  const keys = source.table.key.map(q).join(", ");
  const nullKey = source.table.key.map((name) => `(${q(name)} IS NULL)`).join(" OR ");
  return `SELECT ${keys}, count(*) AS ${q("rows")} FROM (${sourceSql(source)}) AS ${q("s")} GROUP BY ${keys} HAVING ((count(*) > 1) OR ${nullKey}) ORDER BY ${keys} LIMIT ${literal(limit)}`;
}

/** A MERGE of windows into a gold table: the source, the gold database, and silver's date partitioning. */
export interface GoldMerge extends GoldSource {
  database: string;
  /** Silver's year/month/day partition columns and their timestamp: they tie gold rows to windows. */
  partition: YearMonthDayPartition;
}

// Flags the source rows that stand for gold rows to delete. Gold column names match
// [a-z][a-z0-9_]*, so a leading underscore can never collide with one.
const STALE = "_gold_stale";

/**
 * The MERGE source: the windows' recomputed rows, then one row per key that gold holds in
 * those windows but the recomputation no longer produces, flagged `_gold_stale` (values NULL).
 * Both halves read the recomputation from one CTE, so the statement carries it once.
 * @param merge source, gold database, silver partitioning
 */
export function mergeSourceSql({ database, partition, ...source }: GoldMerge): string {
  const { table, dialect } = source;
  const columns = goldColumns(table);
  const fresh = columns.map(({ name }) => `${q("r")}.${q(name)}`);
  const stale = columns.map(({ name, type }) =>
    table.key.includes(name) ? `${q("g")}.${q(name)}` : `CAST(NULL AS ${dmlType(type, dialect)}) AS ${q(name)}`,
  );
  const owned = ownedRowsSql({ table, windows: source.windows, partition, alias: "g" });
  return (
    `WITH ${q("r")} AS (${sourceSql(source)}) ` +
    `SELECT ${[...fresh, `FALSE AS ${q(STALE)}`].join(", ")} FROM ${q("r")} ` +
    `UNION ALL ` +
    `SELECT DISTINCT ${[...stale, `TRUE AS ${q(STALE)}`].join(", ")} FROM ${target({ table, database })} AS ${q("g")} ` +
    `WHERE ${owned} AND NOT EXISTS (SELECT 1 FROM ${q("r")} WHERE ${keyMatch(table, "g", "r")})`
  );
}

/**
 * Counts, before the MERGE, what it will do: recomputed rows (`source_rows`), those whose
 * key gold already holds (`matched`), among those the ones with different values
 * (`changed`), and gold rows of the windows whose group is gone (`deleted`, counted from the
 * MERGE's own source so the two cannot disagree).
 * @param merge source, gold database, silver partitioning
 */
export function mergeCountsSql(merge: GoldMerge): string {
  const { table, database } = merge;
  const present = `(${q("t")}.${q(table.key[0]!)} IS NOT NULL)`;
  const deleted = `(SELECT count(*) FROM (${mergeSourceSql(merge)}) AS ${q("d")} WHERE ${q("d")}.${q(STALE)})`;
  return (
    `SELECT count(*) AS ${q("source_rows")}, count(${q("t")}.${q(table.key[0]!)}) AS ${q("matched")}, ` +
    `coalesce(sum(CASE WHEN (${present} AND (${changed(table)})) THEN 1 ELSE 0 END), 0) AS ${q("changed")}, ` +
    `${deleted} AS ${q("deleted")} ` +
    `FROM (${sourceSql(merge)}) AS ${q("s")} LEFT JOIN ${target({ table, database })} AS ${q("t")} ON ${keyMatch(table)}`
  );
}

/**
 * The MERGE of the windows' recomputation into gold, as one atomic commit: rows whose group
 * vanished from a window deleted, changed rows updated, new rows inserted, every other row
 * untouched. Same text on Athena (Iceberg) and DuckDB.
 * @param merge source, gold database, silver partitioning
 */
export function mergeSql(merge: GoldMerge): string {
  const { table, database } = merge;
  const isStale = `${q("s")}.${q(STALE)}`;
  const columns = goldColumns(table).map(({ name }) => q(name));
  const updates = valueColumns(table).map(({ name }) => `${q(name)} = ${q("s")}.${q(name)}`);
  return (
    `MERGE INTO ${target({ table, database })} AS ${q("t")} USING (${mergeSourceSql(merge)}) AS ${q("s")} ON ${keyMatch(table)} ` +
    // First matching clause wins on both engines: a stale row (NULL values) must hit DELETE before the UPDATE test.
    `WHEN MATCHED AND ${isStale} THEN DELETE ` +
    `WHEN MATCHED AND (${changed(table)}) THEN UPDATE SET ${updates.join(", ")} ` +
    `WHEN NOT MATCHED AND (NOT ${isStale}) THEN INSERT (${columns.join(", ")}) VALUES (${columns.map((name) => `${q("s")}.${name}`).join(", ")})`
  );
}

/**
 * Reads a whole gold table, ordered by its key (for the congregado).
 * @param options target
 */
export function readTableSql({ table, database }: Omit<GoldTarget, "dialect">): string {
  const columns = goldColumns(table).map(({ name }) => q(name));
  return `SELECT ${columns.join(", ")} FROM ${target({ table, database })} ORDER BY ${table.key.map(q).join(", ")}`;
}
