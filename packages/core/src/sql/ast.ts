/**
 * A small SQL syntax tree, plain JSON so a plan can cross a Step Functions state and be
 * rendered later in either dialect. Only what the lake needs: no string fragments, so
 * every identifier is quoted and every value escaped by the renderer.
 */

/** The two dialects: Athena (Trino DML, Hive DDL) and DuckDB. */
export type Dialect = "athena" | "duckdb";

/** Column types, named as Trino names them; each renderer maps them. */
export type SqlType = "varchar" | "double" | "bigint" | "integer" | "timestamp" | "boolean";

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
  | "min"
  | "max";

/** Binary operators. */
export type BinaryOp = "+" | "-" | "*" | "/" | "=" | "<>" | "<" | "<=" | ">" | ">=" | "AND" | "OR";

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

/** One ORDER BY term. */
export interface OrderBy {
  expr: Expr;
  descending?: boolean;
}

/** An expression. */
export type Expr =
  /** A column, or a field inside struct columns: `["metrics", "trip", "tripMileage"]`. */
  | { kind: "column"; path: string[] }
  | { kind: "literal"; value: Literal }
  | { kind: "call"; fn: FunctionName; args: Expr[] }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr }
  | { kind: "isNull"; expr: Expr; negated?: boolean }
  | { kind: "in"; expr: Expr; values: Expr[] }
  | { kind: "case"; whens: { when: Expr; then: Expr }[]; otherwise?: Expr }
  | { kind: "cast"; expr: Expr; type: SqlType }
  | { kind: "rowNumber"; partitionBy: Expr[]; orderBy: OrderBy[] };

/** A partition's values (in partition-column order) and where its files live. */
export interface PartitionLocation {
  values: Record<string, string | number>;
  /** `s3://bucket/prefix/` */
  location: string;
}

/** Where rows come from. */
export type Source =
  | { kind: "table"; table: TableRef }
  | { kind: "subquery"; query: Query; alias: string }
  /**
   * Given Parquet objects of a table. Athena reads the table filtered by `"$path"` (and the
   * partition filter, so only those partitions are listed); DuckDB reads the objects directly.
   */
  | { kind: "files"; table: TableRef; uris: string[]; partitionFilter?: { column: string; values: Literal[] } }
  /**
   * Given partitions of a partitioned table. Athena reads the table filtered on partition
   * values (the catalog resolves locations); DuckDB reads each location with the partition
   * values as constant columns. `columns` are the data columns, `partitionColumns` the keys.
   */
  | {
      kind: "partitions";
      table: TableRef;
      columns: ColumnDef[];
      partitionColumns: ColumnDef[];
      partitions: PartitionLocation[];
    };

/** One item of a select list. */
export interface SelectItem {
  expr: Expr;
  as?: string;
}

/** A query. */
export type Query =
  | { kind: "select"; columns: SelectItem[] | "*"; from: Source; where?: Expr; groupBy?: Expr[] }
  | { kind: "unionAll"; queries: Query[] };

/** A statement an engine runs. */
export type Statement =
  | { kind: "query"; query: Query }
  /** Writes a query's rows as Parquet under `to`, one Hive-style folder per partition. */
  | { kind: "unload"; query: Query; to: string; partitionedBy: string[] }
  /** Registers partitions that may not exist yet (existing ones are left as they are). */
  | { kind: "addPartitions"; table: TableRef; partitions: PartitionLocation[] }
  /** Points an existing partition at a new location. */
  | { kind: "setPartitionLocation"; table: TableRef; partition: PartitionLocation };

/** A column reference. @param path column name, then struct field names */
export const column = (...path: string[]): Expr => ({ kind: "column", path });

/** A literal. @param value the value */
export const lit = (value: Literal): Expr => ({ kind: "literal", value });

/** A function call. @param fn function @param args arguments */
export const call = (fn: FunctionName, ...args: Expr[]): Expr => ({ kind: "call", fn, args });

/** A binary operation. @param op operator */
export const binary = (left: Expr, op: BinaryOp, right: Expr): Expr => ({ kind: "binary", op, left, right });

/** A cast. @param type target type */
export const cast = (expr: Expr, type: SqlType): Expr => ({ kind: "cast", expr, type });

/** Joins conditions with AND (TRUE when there are none). @param exprs conditions */
export function and(...exprs: Expr[]): Expr {
  const [first, ...rest] = exprs;
  return first ? rest.reduce((left, right) => binary(left, "AND", right), first) : lit(true);
}

/** Joins conditions with OR (FALSE when there are none). @param exprs conditions */
export function or(...exprs: Expr[]): Expr {
  const [first, ...rest] = exprs;
  return first ? rest.reduce((left, right) => binary(left, "OR", right), first) : lit(false);
}
