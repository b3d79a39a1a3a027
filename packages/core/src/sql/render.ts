import type {
  ColumnDef,
  Dialect,
  Expr,
  FunctionName,
  OrderBy,
  PartitionLocation,
  Query,
  SelectItem,
  Source,
  SqlType,
  TableRef,
} from "./ast";
import { SqlError } from "./errors";
import { literal, quoteIdentifier } from "./quote";

/** What the DuckDB renderer needs from its engine: the local files behind an S3 object or prefix. */
export interface DuckDbFiles {
  /**
   * Local paths of the Parquet data files of an object (`s3://b/k`) or a location (`s3://b/p/`).
   * @param uri object or location URI
   */
  files(uri: string): string[];
}

/** Rendering context: the dialect, plus DuckDB's file resolver. */
export type RenderContext = { dialect: "athena" } | { dialect: "duckdb"; files: DuckDbFiles["files"] };

const TYPES: Record<Dialect, Record<SqlType, string>> = {
  athena: {
    varchar: "varchar",
    double: "double",
    bigint: "bigint",
    integer: "integer",
    timestamp: "timestamp",
    boolean: "boolean",
  },
  duckdb: {
    varchar: "VARCHAR",
    double: "DOUBLE",
    bigint: "BIGINT",
    integer: "INTEGER",
    timestamp: "TIMESTAMP",
    boolean: "BOOLEAN",
  },
};

/**
 * Renders a SQL type in a dialect.
 * @param type the type
 * @param dialect the dialect
 */
export function renderType(type: SqlType, dialect: Dialect): string {
  return TYPES[dialect][type];
}

const tableName = ({ database, name }: TableRef): string => `${quoteIdentifier(database)}.${quoteIdentifier(name)}`;

function renderCall(fn: FunctionName, args: string[], dialect: Dialect): string {
  const [x] = args;
  if (x === undefined || args.length !== 1) throw new SqlError(`function ${fn} takes one argument, got ${args.length}`);
  switch (fn) {
    case "trim":
    case "lower":
    case "upper":
    case "year":
    case "month":
    case "day":
    case "min":
    case "max":
      return `${fn}(${x})`;
    // Neither engine has initcap; split on spaces and rebuild. `w` is the lambda's own
    // variable, never user data.
    case "title_case":
      return dialect === "athena"
        ? `array_join(transform(split(${x}, ' '), w -> upper(substr(w, 1, 1)) || lower(substr(w, 2))), ' ')`
        : `array_to_string(list_transform(string_split(${x}, ' '), lambda w: upper(left(w, 1)) || lower(substr(w, 2))), ' ')`;
    // Both read ISO-8601 with or without an offset and normalise to UTC wall time.
    case "parse_timestamp":
      return dialect === "athena"
        ? `CAST(try(from_iso8601_timestamp(${x})) AT TIME ZONE 'UTC' AS timestamp)`
        : `(TRY_CAST(${x} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')`;
  }
}

/**
 * Renders an expression.
 * @param expr the expression
 * @param context dialect (and DuckDB file resolver)
 */
export function renderExpr(expr: Expr, context: RenderContext): string {
  const r = (e: Expr): string => renderExpr(e, context);
  switch (expr.kind) {
    case "column":
      return expr.path.map(quoteIdentifier).join(".");
    case "literal":
      return literal(expr.value);
    case "call":
      return renderCall(expr.fn, expr.args.map(r), context.dialect);
    case "binary":
      return `(${r(expr.left)} ${expr.op} ${r(expr.right)})`;
    case "isNull":
      return `(${r(expr.expr)} IS ${expr.negated ? "NOT " : ""}NULL)`;
    case "in":
      if (expr.values.length === 0) return "FALSE";
      return `(${r(expr.expr)} IN (${expr.values.map(r).join(", ")}))`;
    case "case": {
      const whens = expr.whens.map(({ when, then }) => `WHEN ${r(when)} THEN ${r(then)}`).join(" ");
      return `(CASE ${whens}${expr.otherwise ? ` ELSE ${r(expr.otherwise)}` : ""} END)`;
    }
    case "cast":
      return `CAST(${r(expr.expr)} AS ${renderType(expr.type, context.dialect)})`;
    case "rowNumber": {
      const order = (o: OrderBy): string => `${r(o.expr)}${o.descending ? " DESC" : " ASC"}`;
      const partition = expr.partitionBy.length ? `PARTITION BY ${expr.partitionBy.map(r).join(", ")} ` : "";
      return `row_number() OVER (${partition}ORDER BY ${expr.orderBy.map(order).join(", ")})`;
    }
  }
}

function renderItems(columns: SelectItem[] | "*", context: RenderContext): string {
  if (columns === "*") return "*";
  return columns
    .map(({ expr, as }) =>
      as === undefined ? renderExpr(expr, context) : `${renderExpr(expr, context)} AS ${quoteIdentifier(as)}`,
    )
    .join(", ");
}

const partitionMatch = (partition: PartitionLocation): Expr[] =>
  Object.entries(partition.values).map(([name, value]) => ({
    kind: "binary",
    op: "=",
    left: { kind: "column", path: [name] },
    right: { kind: "literal", value },
  }));

function emptyRows(columns: ColumnDef[], context: RenderContext): string {
  const items = columns
    .map(({ name, type }) => `CAST(NULL AS ${renderType(type, context.dialect)}) AS ${quoteIdentifier(name)}`)
    .join(", ");
  return `SELECT ${items} WHERE FALSE`;
}

function parquetList(paths: string[]): string {
  return `read_parquet([${paths.map((path) => literal(path)).join(", ")}], union_by_name = true, hive_partitioning = false)`;
}

function renderSource(source: Source, context: RenderContext, alias: string): string {
  switch (source.kind) {
    case "table":
      return tableName(source.table);
    case "subquery":
      return `(${renderQuery(source.query, context)}) AS ${quoteIdentifier(source.alias)}`;
    case "files": {
      if (context.dialect === "athena") {
        const conditions: string[] = [];
        if (source.partitionFilter) {
          const { column, values } = source.partitionFilter;
          conditions.push(
            renderExpr(
              {
                kind: "in",
                expr: { kind: "column", path: [column] },
                values: values.map((value) => ({ kind: "literal", value })),
              },
              context,
            ),
          );
        }
        conditions.push(
          renderExpr(
            {
              kind: "in",
              expr: { kind: "column", path: ["$path"] },
              values: source.uris.map((value) => ({ kind: "literal", value })),
            },
            context,
          ),
        );
        return `(SELECT * FROM ${tableName(source.table)} WHERE ${conditions.join(" AND ")}) AS ${quoteIdentifier(alias)}`;
      }
      const paths = source.uris.flatMap((uri) => context.files(uri));
      if (paths.length === 0)
        throw new SqlError(`no local files for ${tableName(source.table)}: ${source.uris.join(", ")}`);
      return `${parquetList(paths)} AS ${quoteIdentifier(alias)}`;
    }
    case "partitions": {
      const all = [...source.columns, ...source.partitionColumns];
      if (context.dialect === "athena") {
        const where = source.partitions.length
          ? source.partitions
              .map(
                (p) =>
                  `(${partitionMatch(p)
                    .map((e) => renderExpr(e, context))
                    .join(" AND ")})`,
              )
              .join(" OR ")
          : "FALSE";
        const items = all.map(({ name }) => quoteIdentifier(name)).join(", ");
        return `(SELECT ${items} FROM ${tableName(source.table)} WHERE ${where}) AS ${quoteIdentifier(alias)}`;
      }
      const selects = source.partitions.flatMap((partition) => {
        const paths = context.files(partition.location);
        if (paths.length === 0) return [];
        const data = source.columns.map(({ name }) => quoteIdentifier(name));
        const keys = source.partitionColumns.map(({ name, type }) => {
          const value = partition.values[name];
          if (value === undefined) throw new SqlError(`partition ${partition.location} has no value for ${name}`);
          return `CAST(${literal(value)} AS ${renderType(type, "duckdb")}) AS ${quoteIdentifier(name)}`;
        });
        return [`SELECT ${[...data, ...keys].join(", ")} FROM ${parquetList(paths)}`];
      });
      return `(${selects.length ? selects.join(" UNION ALL ") : emptyRows(all, context)}) AS ${quoteIdentifier(alias)}`;
    }
  }
}

/**
 * Renders a query.
 * @param query the query
 * @param context dialect (and DuckDB file resolver)
 */
export function renderQuery(query: Query, context: RenderContext): string {
  if (query.kind === "unionAll") {
    if (query.queries.length === 0) throw new SqlError("UNION ALL of no queries");
    return query.queries.map((q) => `(${renderQuery(q, context)})`).join(" UNION ALL ");
  }
  const where = query.where ? ` WHERE ${renderExpr(query.where, context)}` : "";
  const groupBy = query.groupBy?.length
    ? ` GROUP BY ${query.groupBy.map((e) => renderExpr(e, context)).join(", ")}`
    : "";
  return `SELECT ${renderItems(query.columns, context)} FROM ${renderSource(query.from, context, "src")}${where}${groupBy}`;
}
