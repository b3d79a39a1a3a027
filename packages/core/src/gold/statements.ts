import type { YearMonthDayPartition } from "../silver/spec";
import type { Dialect, Expr, PartitionColumn, Query, Source, Statement, TableRef } from "../sql/ast";
import { and, binary, call, cast, column, lit, not, or } from "../sql/ast";
import { goldColumns, valueColumns } from "./columns";
import { GoldSpecError } from "./errors";
import { aggregateExpr, goldExpr } from "./expressions";
import { ownedRows } from "./scope";
import type { GoldTable } from "./spec";
import type { WindowValues } from "./windows";
import { windowFilter } from "./windows";

/** Where a gold table's rows come from: silver, filtered to some windows. */
export interface GoldSource {
  table: GoldTable;
  silver: TableRef;
  windows: readonly WindowValues[];
  /**
   * Silver's columns when some were renamed and the engine reads silver's files through a
   * catalog table that keeps the earlier names (Athena): each renamed one is read as the first
   * non-NULL of its names. Absent: silver is read as the table (DuckDB's view already does this).
   */
  silverColumns?: readonly PartitionColumn[];
}

// Silver as the aggregate reads it: the table, or its columns with the renamed ones coalesced.
function silverSource({ silver, silverColumns }: GoldSource): Source {
  if (!silverColumns?.some((c) => c.renamedFrom?.length)) return { kind: "table", table: silver };
  return {
    kind: "subquery",
    alias: "silver",
    query: {
      kind: "select",
      columns: silverColumns.map(({ name, renamedFrom = [] }) =>
        renamedFrom.length
          ? { expr: call("coalesce", column(name), ...renamedFrom.map((old) => column(old))), as: name }
          : { expr: column(name) },
      ),
      from: { kind: "table", table: silver },
    },
  };
}

/** A gold table's target: the spec and where it lives. */
export interface GoldTarget {
  table: GoldTable;
  /** Database (Glue database on Athena, schema in DuckDB). */
  database: string;
}

const targetOf = ({ table, database }: GoldTarget): TableRef => ({ database, name: table.name });

/**
 * The aggregate over the windows' silver rows, one row per group: the MERGE source.
 * Groups by position, so a dimension named like a silver column can never be read as it.
 * @param source table, silver table, windows
 */
export function sourceQuery(source: GoldSource): Query {
  const { table, windows } = source;
  return {
    kind: "select",
    columns: [
      ...table.dimensions.map((d) => ({ expr: goldExpr(d.expr), as: d.name })),
      ...table.aggregates.map((a) => ({ expr: aggregateExpr(a, table), as: a.name })),
    ],
    from: silverSource(source),
    where: windowFilter(windows),
    groupBy: table.dimensions.map((_, i) => ({ kind: "ordinal", position: i + 1 })),
  };
}

/**
 * The statements creating the gold table when missing. Athena: an Iceberg table (identity
 * partitions, Parquet) at `location`. DuckDB: a table keyed on the merge key (its schema with it).
 * @param options table, database, dialect, and the S3 location (Athena)
 */
export function createTableStatements({
  table,
  database,
  dialect,
  location,
}: GoldTarget & { dialect: Dialect; location?: string }): Statement[] {
  const create: Statement = {
    kind: "createTable",
    table: targetOf({ table, database }),
    columns: goldColumns(table),
    primaryKey: table.key,
    partitionedBy: table.partitionBy,
    ...(location === undefined ? {} : { location }),
  };
  if (dialect === "duckdb") return [create];
  if (!location)
    throw new GoldSpecError(
      `gold table ${table.name}: Athena needs an S3 location (warehouse) to create the Iceberg table`,
    );
  return [create];
}

/**
 * The statements giving an existing gold table the columns its spec gained (a new aggregate):
 * its rows read NULL until a run recomputes their window. One statement per column, in table
 * order. Rendered `ALTER TABLE … ADD COLUMNS (…)` on Athena (Iceberg) and `ADD COLUMN` on
 * DuckDB, neither with IF NOT EXISTS, so `missing` must name only columns the table lacks now
 * (as its catalog says, not as the schema versions would have it).
 * @param options table, database, and the columns the table lacks
 * @example addColumnStatements({ table: hubDaily, database: "gold", missing: ["total_kg"] })
 */
export function addColumnStatements({
  table,
  database,
  missing,
}: GoldTarget & { missing: readonly string[] }): Statement[] {
  return goldColumns(table)
    .filter((column) => missing.includes(column.name))
    .map((column) => ({ kind: "addColumn", table: targetOf({ table, database }), column }));
}

const keyMatch = (table: GoldTable, left = "t", right = "s"): Expr =>
  and(...table.key.map((name) => binary(column(left, name), "=", column(right, name))));

// A source row's gold row: same key, among the rows the windows own. Every source key lies in
// the windows, so the ownership terms change no match; they are there for the engines, which
// read only the owned partitions of the target instead of the whole table, so a MERGE's cost
// follows the windows, not the gold table's size.
const targetMatch = ({ table, windows, partition }: GoldMerge): Expr =>
  and(keyMatch(table), ownedRows({ table, windows, partition, alias: "t" }));

// Unchanged rows are not rewritten: re-running a window writes nothing (no new Iceberg
// snapshot of equal data), and the counts can tell updated from unchanged rows.
const changed = (table: GoldTable): Expr =>
  or(...valueColumns(table).map(({ name }) => binary(column("t", name), "IS DISTINCT FROM", column("s", name))));

/**
 * Finds source keys the MERGE cannot take: present on several rows, or with a NULL part.
 * Returns the key columns and `rows`, at most `limit` rows.
 * @param options source and the most offending keys to return
 */
export function duplicateKeysStatement({ limit = 10, ...source }: GoldSource & { limit?: number }): Statement {
  const keys = source.table.key.map((name) => column(name));
  const rows = call("count");
  return {
    kind: "query",
    query: {
      kind: "select",
      columns: [...keys.map((expr) => ({ expr })), { expr: rows, as: "rows" }],
      from: { kind: "subquery", query: sourceQuery(source), alias: "s" },
      groupBy: keys,
      having: or(binary(rows, ">", lit(1)), ...keys.map((expr): Expr => ({ kind: "isNull", expr }))),
      orderBy: keys.map((expr) => ({ expr })),
      limit,
    },
  };
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
 * Both halves read the recomputation from one WITH query, so the statement carries it once.
 * @param merge source, gold database, silver partitioning
 */
export function mergeSourceQuery({ database, partition, ...source }: GoldMerge): Query {
  const { table } = source;
  const columns = goldColumns(table);
  const recomputed: Query = {
    kind: "select",
    columns: [...columns.map(({ name }) => ({ expr: column("r", name) })), { expr: lit(false), as: STALE }],
    from: { kind: "cte", name: "r" },
  };
  const vanished: Query = {
    kind: "select",
    distinct: true,
    columns: [
      ...columns.map(({ name, type }) =>
        table.key.includes(name) ? { expr: column("g", name) } : { expr: cast(lit(null), type), as: name },
      ),
      { expr: lit(true), as: STALE },
    ],
    from: { kind: "table", table: targetOf({ table, database }), alias: "g" },
    where: and(
      ownedRows({ table, windows: source.windows, partition, alias: "g" }),
      not({
        kind: "exists",
        query: {
          kind: "select",
          columns: [{ expr: lit(1) }],
          from: { kind: "cte", name: "r" },
          where: keyMatch(table, "g", "r"),
        },
      }),
    ),
  };
  return {
    kind: "with",
    queries: [{ name: "r", query: sourceQuery(source) }],
    body: { kind: "unionAll", queries: [recomputed, vanished] },
  };
}

/**
 * Counts, before the MERGE, what it will do: recomputed rows (`source_rows`), those whose
 * key gold already holds (`matched`), among those the ones with different values
 * (`changed`), and gold rows of the windows whose group is gone (`deleted`). Read from the
 * MERGE's own source, joined as the MERGE joins it, so the two cannot disagree, and silver is
 * read once.
 * @param merge source, gold database, silver partitioning
 */
export function mergeCountsStatement(merge: GoldMerge): Statement {
  const { table } = merge;
  const present: Expr = { kind: "isNull", expr: column("t", table.key[0]!), negated: true };
  const fresh = not(column("s", STALE));
  const rowsWhere = (when: Expr): Expr =>
    call("coalesce", call("sum", { kind: "case", whens: [{ when, then: lit(1) }], otherwise: lit(0) }), lit(0));
  return {
    kind: "query",
    query: {
      kind: "select",
      columns: [
        { expr: rowsWhere(fresh), as: "source_rows" },
        { expr: rowsWhere(and(fresh, present)), as: "matched" },
        { expr: rowsWhere(and(fresh, present, changed(table))), as: "changed" },
        { expr: rowsWhere(column("s", STALE)), as: "deleted" },
      ],
      from: {
        kind: "leftJoin",
        left: { kind: "subquery", query: mergeSourceQuery(merge), alias: "s" },
        right: { kind: "table", table: targetOf(merge), alias: "t" },
        on: targetMatch(merge),
      },
    },
  };
}

/**
 * The MERGE of the windows' recomputation into gold, as one atomic commit: rows whose group
 * vanished from a window deleted, changed rows updated, new rows inserted, every other row
 * untouched. Same text on Athena (Iceberg) and DuckDB.
 * @param merge source, gold database, silver partitioning
 */
export function mergeStatement(merge: GoldMerge): Statement {
  const { table } = merge;
  const isStale = column("s", STALE);
  const columns = goldColumns(table).map(({ name }) => name);
  return {
    kind: "merge",
    into: targetOf(merge),
    alias: "t",
    using: { kind: "subquery", query: mergeSourceQuery(merge), alias: "s" },
    on: targetMatch(merge),
    clauses: [
      // First matching clause wins on both engines: a stale row (NULL values) must hit DELETE before the UPDATE test.
      { when: "matched", condition: isStale, action: "delete" },
      {
        when: "matched",
        condition: changed(table),
        action: "update",
        set: valueColumns(table).map(({ name }) => ({ column: name, value: column("s", name) })),
      },
      {
        when: "notMatched",
        condition: not(isStale),
        action: "insert",
        columns,
        values: columns.map((name) => column("s", name)),
      },
    ],
  };
}
