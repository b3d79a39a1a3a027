import type { Dialect, TableRef } from "../sql/ast";
import { hiveLiteral, literal, quoteHiveIdentifier, quoteIdentifier } from "../sql/quote";
import { goldColumns, valueColumns } from "./columns";
import { GoldSpecError } from "./errors";
import { aggregateSql, dmlType, expr, goldExpr, hiveType } from "./render";
import type { GoldTable } from "./spec";
import { windowFilter } from "./windows";
import type { WindowValues } from "./windows";

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
const target = ({ table, database }: Pick<GoldTarget, "table" | "database">): string => `${q(database)}.${q(table.name)}`;

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
    if (!location) throw new GoldSpecError(`gold table ${table.name}: Athena needs an S3 location (warehouse) to create the Iceberg table`);
    const definitions = columns.map(({ name, type }) => `${quoteHiveIdentifier(name)} ${hiveType(type)}`).join(", ");
    const partitioned = table.partitionBy.length ? ` PARTITIONED BY (${table.partitionBy.map(quoteHiveIdentifier).join(", ")})` : "";
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

const keyMatch = (table: GoldTable): string => table.key.map((name) => `(${q("t")}.${q(name)} = ${q("s")}.${q(name)})`).join(" AND ");

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

/**
 * Counts, before the MERGE, what it will do: source rows, those whose key gold already
 * holds (`matched`), and among those the ones with different values (`changed`).
 * @param options source and target
 */
export function mergeCountsSql({ database, ...source }: GoldSource & { database: string }): string {
  const { table } = source;
  const present = `(${q("t")}.${q(table.key[0]!)} IS NOT NULL)`;
  return (
    `SELECT count(*) AS ${q("source_rows")}, count(${q("t")}.${q(table.key[0]!)}) AS ${q("matched")}, ` +
    `coalesce(sum(CASE WHEN (${present} AND (${changed(table)})) THEN 1 ELSE 0 END), 0) AS ${q("changed")} ` +
    `FROM (${sourceSql(source)}) AS ${q("s")} LEFT JOIN ${target({ table, database })} AS ${q("t")} ON ${keyMatch(table)}`
  );
}

/**
 * The MERGE of the windows' aggregate into gold: changed rows updated, new rows inserted,
 * every other row untouched. Same text on Athena (Iceberg) and DuckDB.
 * @param options source and target
 */
export function mergeSql({ database, ...source }: GoldSource & { database: string }): string {
  const { table } = source;
  const columns = goldColumns(table).map(({ name }) => q(name));
  const updates = valueColumns(table).map(({ name }) => `${q(name)} = ${q("s")}.${q(name)}`);
  return (
    `MERGE INTO ${target({ table, database })} AS ${q("t")} USING (${sourceSql(source)}) AS ${q("s")} ON ${keyMatch(table)} ` +
    `WHEN MATCHED AND (${changed(table)}) THEN UPDATE SET ${updates.join(", ")} ` +
    `WHEN NOT MATCHED THEN INSERT (${columns.join(", ")}) VALUES (${columns.map((name) => `${q("s")}.${name}`).join(", ")})`
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
