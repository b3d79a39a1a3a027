/**
 * A small SQL syntax tree, plain JSON so a plan can cross a Step Functions state and be
 * rendered later in either dialect. Only what the lake needs: no string fragments, so
 * every identifier is quoted and every value escaped by the renderer.
 */

/** The two dialects: Athena (Trino DML, Hive DDL) and DuckDB. */
export type Dialect = "athena" | "duckdb";

/** Scalar column types, named as Trino names them; each renderer maps them. */
export type ScalarSqlType = "varchar" | "double" | "bigint" | "integer" | "timestamp" | "boolean" | "date";

/** Column types: a scalar, an array of one type, or a row (struct) of named fields. */
export type SqlType = ScalarSqlType | { array: SqlType } | { row: { name: string; type: SqlType }[] };

/** A literal value. */
export type Literal = string | number | boolean | null;

/** Functions with one meaning and a per-dialect spelling. */
export type FunctionName =
  | "trim"
  | "lower"
  | "upper"
  /** Each space-separated word capitalised, the rest lower case. */
  | "title_case"
  /** ISO-8601 text → UTC timestamp; NULL when unparseable. */
  | "parse_timestamp"
  | "year"
  | "month"
  | "day"
  /** `round(x, digits)`. */
  | "round"
  /** The first argument that is not NULL. */
  | "coalesce"
  /** Aggregates. `count` of no argument counts rows (`count(*)`). */
  | "count"
  | "sum"
  | "avg"
  | "min"
  | "max"
  /** Aggregate: the first argument on the row with the smallest second one, NULL values of the first kept. */
  | "min_by"
  /** Aggregate: the first argument on the row with the largest second one, NULL values of the first kept. */
  | "max_by";

/** Binary operators. */
export type BinaryOp = "+" | "-" | "*" | "/" | "=" | "<>" | "<" | "<=" | ">" | ">=" | "IS DISTINCT FROM";

/** A table in a database (Glue database on Athena, schema in DuckDB). */
export interface TableRef {
  database: string;
  name: string;
}

/** A column's name and type. */
export interface ColumnDef {
  name: string;
  type: SqlType;
}

/**
 * A data column of a partitioned read, with the names older files wrote it under (a renamed
 * field): it reads as the first of them that is not NULL, so history shows under the new name.
 */
export interface PartitionColumn extends ColumnDef {
  renamedFrom?: readonly string[];
}

/** One ORDER BY term. */
export interface OrderBy {
  expr: Expr;
  descending?: boolean;
}

/** An expression. */
export type Expr =
  /** A column, or a field inside struct columns: `["metrics", "trip", "tripMileage"]`; `[alias, column]` qualifies. */
  | { kind: "column"; path: string[] }
  | { kind: "literal"; value: Literal }
  /** A calendar date, `YYYY-MM-DD`. */
  | { kind: "dateLiteral"; value: string }
  /** A function call; `distinct` only for aggregates (`count(DISTINCT x)`). */
  | { kind: "call"; fn: FunctionName; args: Expr[]; distinct?: boolean }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr }
  /** Every term true (TRUE when there are none). */
  | { kind: "and"; terms: Expr[] }
  /** Some term true (FALSE when there are none). */
  | { kind: "or"; terms: Expr[] }
  | { kind: "not"; expr: Expr }
  | { kind: "isNull"; expr: Expr; negated?: boolean }
  | { kind: "in"; expr: Expr; values: Expr[] }
  | { kind: "case"; whens: { when: Expr; then: Expr }[]; otherwise?: Expr }
  | { kind: "cast"; expr: Expr; type: SqlType }
  | { kind: "rowNumber"; partitionBy: Expr[]; orderBy: OrderBy[] }
  /** A query of one row and one column, as a value. */
  | { kind: "subquery"; query: Query }
  /** True when the query returns a row. */
  | { kind: "exists"; query: Query }
  /** The select list's item at this 1-based position (GROUP BY 1, 2). */
  | { kind: "ordinal"; position: number };

/** A partition's values (in partition-column order) and where its files live. */
export interface PartitionLocation {
  values: Record<string, string | number>;
  /** `s3://bucket/prefix/` */
  location: string;
}

/** Where rows come from. */
export type Source =
  | { kind: "table"; table: TableRef; alias?: string }
  /** A query the statement names in its WITH. */
  | { kind: "cte"; name: string }
  | { kind: "subquery"; query: Query; alias: string }
  /** Every row of `left`, with the rows of `right` that match it (NULLs where none does). */
  | { kind: "leftJoin"; left: Source; right: Source; on: Expr }
  /**
   * Given Parquet objects of a table. Athena reads the table filtered by `"$path"` (and the
   * partition filter, so only those partitions are listed); DuckDB reads the objects directly.
   */
  | {
      kind: "files";
      table: TableRef;
      uris: string[];
      partitionFilter?: { column: string; values: Literal[] };
      /**
       * The columns the files are read as, by name (DuckDB; Athena reads the table's): files of
       * older schemas read NULL for a column they lack and widen to the declared type.
       */
      columns?: ColumnDef[];
    }
  /**
   * Given partitions of a partitioned table. Athena reads the table filtered on partition
   * values (the catalog resolves locations); DuckDB reads each location with the partition
   * values as constant columns. `columns` are the data columns, `partitionColumns` the keys.
   */
  | {
      kind: "partitions";
      table: TableRef;
      columns: PartitionColumn[];
      partitionColumns: ColumnDef[];
      partitions: PartitionLocation[];
    };

/** One item of a select list. */
export interface SelectItem {
  expr: Expr;
  as?: string;
}

/** A query named in a WITH. */
export interface NamedQuery {
  name: string;
  query: Query;
}

/** A query. */
export type Query =
  | {
      kind: "select";
      distinct?: boolean;
      columns: SelectItem[] | "*";
      from: Source;
      where?: Expr;
      groupBy?: Expr[];
      having?: Expr;
      orderBy?: OrderBy[];
      limit?: number;
    }
  | { kind: "unionAll"; queries: Query[] }
  /**
   * Of each group of `query`'s rows equal on `partitionBy`, the first in `orderBy` order (nulls
   * last), with `query`'s columns named in `columns`: the rows `row_number() OVER (PARTITION BY …
   * ORDER BY …) = 1` keeps. A tie on every `orderBy` term keeps any one of the tied rows, so order
   * by enough terms to make each row's place unique. Athena runs that window; DuckDB may keep the
   * rows with an aggregate instead (`renderDuckDb`'s `firstPerGroup`).
   */
  | { kind: "firstPerGroup"; query: Query; columns: string[]; partitionBy: Expr[]; orderBy: OrderBy[] }
  /** `WITH <name> AS (<query>), … <query>`: the body reads the named queries as sources of kind `cte`. */
  | { kind: "with"; queries: NamedQuery[]; body: Query };

/** One WHEN clause of a MERGE: the first whose condition holds decides a row's fate. */
export type MergeClause =
  | { when: "matched"; condition?: Expr; action: "delete" }
  | { when: "matched"; condition?: Expr; action: "update"; set: { column: string; value: Expr }[] }
  | { when: "notMatched"; condition?: Expr; action: "insert"; columns: string[]; values: Expr[] };

/** A statement an engine runs. */
export type Statement =
  | { kind: "query"; query: Query }
  /** Writes a query's rows as Parquet under `to`, one Hive-style folder per partition. */
  | { kind: "unload"; query: Query; to: string; partitionedBy: string[] }
  /** Creates a database when missing. DuckDB only: on AWS the Glue databases are infra's. */
  | { kind: "createSchema"; database: string }
  /**
   * Creates a table when missing. Athena: an Iceberg table at `location` (required there),
   * with identity partitions `partitionedBy`; it has no key constraint. DuckDB: a table
   * whose `primaryKey` is enforced; partitioning does not apply.
   */
  | {
      kind: "createTable";
      table: TableRef;
      columns: ColumnDef[];
      primaryKey: string[];
      partitionedBy: string[];
      location?: string;
    }
  /**
   * Adds a column a table lacks, keeping its rows (they read NULL). Athena: Iceberg's
   * `ALTER TABLE … ADD COLUMNS` (the caller knows it is missing); DuckDB: `ADD COLUMN IF NOT EXISTS`.
   */
  | { kind: "addColumn"; table: TableRef; column: ColumnDef }
  /** Merges `using` into a table aliased `alias`, row by row through `clauses`, as one commit. */
  | { kind: "merge"; into: TableRef; alias: string; using: Source; on: Expr; clauses: MergeClause[] }
  /** Athena only: compacts an Iceberg table's small and delete files into larger data files. */
  | { kind: "optimize"; table: TableRef }
  /** Athena only: expires an Iceberg table's old snapshots and removes orphan files. */
  | { kind: "vacuum"; table: TableRef };

/** A column reference. @param path column name, then struct field names (or a table alias, then a column) */
export const column = (...path: string[]): Expr => ({ kind: "column", path });

/** A literal. @param value the value */
export const lit = (value: Literal): Expr => ({ kind: "literal", value });

/** A function call. @param fn function @param args arguments */
export const call = (fn: FunctionName, ...args: Expr[]): Expr => ({ kind: "call", fn, args });

/** A binary operation. @param op operator */
export const binary = (left: Expr, op: BinaryOp, right: Expr): Expr => ({ kind: "binary", op, left, right });

/** A cast. @param type target type */
export const cast = (expr: Expr, type: SqlType): Expr => ({ kind: "cast", expr, type });

/** A negation. @param expr the condition negated */
export const not = (expr: Expr): Expr => ({ kind: "not", expr });

/**
 * Joins conditions with AND: TRUE when there are none, the condition itself when there is one.
 * Nested ANDs are flattened into one list, so the rendered text stays one level deep.
 * @param terms conditions
 */
export function and(...terms: Expr[]): Expr {
  const flat = terms.flatMap((term) => (term.kind === "and" ? term.terms : [term]));
  if (flat.length === 0) return lit(true);
  return flat.length === 1 ? flat[0]! : { kind: "and", terms: flat };
}

/**
 * Joins conditions with OR: FALSE when there are none, the condition itself when there is one.
 * Nested ORs are flattened into one list: Trino parses `a OR b OR …` as one flat expression,
 * while thousands of nested parentheses overflow its parser's depth.
 * @param terms conditions
 */
export function or(...terms: Expr[]): Expr {
  const flat = terms.flatMap((term) => (term.kind === "or" ? term.terms : [term]));
  if (flat.length === 0) return lit(false);
  return flat.length === 1 ? flat[0]! : { kind: "or", terms: flat };
}

/**
 * Reads named columns of a table: the common query, spelled short.
 * @param table the table
 * @param columns column names, in order
 * @param clauses an optional filter and the columns to order by (ascending)
 * @example selectColumns({ database: "gold", name: "car_monthly" }, ["car", "year"], { orderBy: ["car"] })
 */
export function selectColumns(
  table: TableRef,
  columns: string[],
  { where, orderBy = [] }: { where?: Expr; orderBy?: string[] } = {},
): Statement {
  return {
    kind: "query",
    query: {
      kind: "select",
      columns: columns.map((name) => ({ expr: column(name) })),
      from: { kind: "table", table },
      ...(where ? { where } : {}),
      ...(orderBy.length ? { orderBy: orderBy.map((name) => ({ expr: column(name) })) } : {}),
    },
  };
}
