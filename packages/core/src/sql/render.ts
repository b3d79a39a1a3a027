import type {
  ColumnDef,
  Dialect,
  Expr,
  FunctionName,
  MergeClause,
  OrderBy,
  PartitionColumn,
  PartitionLocation,
  Query,
  ScalarSqlType,
  SelectItem,
  Source,
  SqlType,
  Statement,
  TableRef,
} from "./ast";
import { InvalidLiteralError, SqlError } from "./errors";
import { literal, quoteIdentifier } from "./quote";

/** What the DuckDB renderer needs from its engine: the local files behind an S3 object or prefix. */
export interface DuckDbFiles {
  /**
   * Local paths of the Parquet data files of an object (`s3://b/k`) or a location (`s3://b/p/`).
   * @param uri object or location URI
   */
  files(uri: string): string[];
}

/**
 * How DuckDB keeps the first row of each group (a `firstPerGroup` query): with the window
 * Athena runs (`row_number() … = 1`: every row sorted, spilling past the memory budget), or
 * with one aggregate (`arg_min` per group: no sort, ~4× less CPU on 1M rows of 18k groups, but
 * its states stay in memory: a statement of many groups runs out of the budget, where the
 * window spills). The window unless said otherwise.
 */
export type FirstPerGroup = "window" | "aggregate";

/** Rendering context: the dialect, plus DuckDB's file resolver and how it keeps a group's first row. */
export type RenderContext =
  | { dialect: "athena" }
  | { dialect: "duckdb"; files: DuckDbFiles["files"]; firstPerGroup?: FirstPerGroup };

const TYPES: Record<Dialect, Record<ScalarSqlType, string>> = {
  athena: {
    varchar: "varchar",
    double: "double",
    bigint: "bigint",
    integer: "integer",
    timestamp: "timestamp",
    boolean: "boolean",
    date: "date",
  },
  duckdb: {
    varchar: "VARCHAR",
    double: "DOUBLE",
    bigint: "BIGINT",
    integer: "INTEGER",
    timestamp: "TIMESTAMP",
    boolean: "BOOLEAN",
    date: "DATE",
  },
};

/**
 * Renders a SQL type in a dialect.
 * @param type the type
 * @param dialect the dialect
 */
export function renderType(type: SqlType, dialect: Dialect): string {
  if (typeof type === "string") return TYPES[dialect][type];
  if ("array" in type)
    return dialect === "athena" ? `array(${renderType(type.array, dialect)})` : `${renderType(type.array, dialect)}[]`;
  const fields = type.row.map(({ name, type }) => `${quoteIdentifier(name)} ${renderType(type, dialect)}`).join(", ");
  return dialect === "athena" ? `row(${fields})` : `STRUCT(${fields})`;
}

/**
 * Renders a table's name, database-qualified, for Trino and DuckDB.
 * @param table the table
 */
export const renderTable = ({ database, name }: TableRef): string =>
  `${quoteIdentifier(database)}.${quoteIdentifier(name)}`;

// How many arguments each function takes, at least and at most.
const ARITY: Record<FunctionName, readonly [number, number]> = {
  trim: [1, 1],
  lower: [1, 1],
  upper: [1, 1],
  title_case: [1, 1],
  parse_timestamp: [1, 1],
  year: [1, 1],
  month: [1, 1],
  day: [1, 1],
  round: [2, 2],
  coalesce: [1, Number.POSITIVE_INFINITY],
  count: [0, 1],
  sum: [1, 1],
  avg: [1, 1],
  min: [1, 1],
  max: [1, 1],
  min_by: [2, 2],
  max_by: [2, 2],
};

// The aggregates that may take DISTINCT: over their one argument's distinct values.
const DISTINCT_AGGREGATES = new Set<FunctionName>(["count", "sum", "avg", "min", "max"]);

function renderCall(fn: FunctionName, args: string[], distinct: boolean, dialect: Dialect): string {
  const [least, most] = ARITY[fn];
  if (args.length < least || args.length > most)
    throw new SqlError(
      `function ${fn} takes ${least === most ? least : `${least} to ${most}`} argument(s), got ${args.length}`,
    );
  if (distinct && (!DISTINCT_AGGREGATES.has(fn) || args.length !== 1))
    throw new SqlError(`DISTINCT applies to the one argument of count, sum, avg, min or max, not to ${fn}`);
  const [x] = args;
  const list = `${distinct ? "DISTINCT " : ""}${args.join(", ")}`;
  switch (fn) {
    case "count":
      return x === undefined ? "count(*)" : `count(${list})`;
    case "trim":
    case "lower":
    case "upper":
    case "year":
    case "month":
    case "day":
    case "round":
    case "coalesce":
    case "sum":
    case "avg":
    case "min":
    case "max":
      return `${fn}(${list})`;
    // DuckDB's arg_min/arg_max skip rows whose value is NULL; the `_null` variants keep them, as Trino's do.
    case "min_by":
      return `${dialect === "athena" ? "min_by" : "arg_min_null"}(${list})`;
    case "max_by":
      return `${dialect === "athena" ? "max_by" : "arg_max_null"}(${list})`;
    // Neither engine has initcap; split on spaces and rebuild. `w` is the lambda's own
    // variable, never user data.
    case "title_case":
      return dialect === "athena"
        ? `array_join(transform(split(${x}, ' '), w -> upper(substr(w, 1, 1)) || lower(substr(w, 2))), ' ')`
        : `array_to_string(list_transform(string_split(${x}, ' '), lambda w: upper(left(w, 1)) || lower(substr(w, 2))), ' ')`;
    // Both read ISO-8601 with or without an offset and normalise to UTC wall time. DuckDB's
    // TIMESTAMPTZ cast (ICU, then a zone conversion) costs ~0.8 s of CPU per 1M values; text in
    // UTC (`…Z`, what bronze writes for every timestamp it normalises) reads the same through
    // the plain TIMESTAMP cast at a fraction of that. The plain cast ignores an offset, so only
    // `…Z` text takes it, and text it refuses (a zone name ending in Z: `… NZ`) still goes on.
    case "parse_timestamp":
      return dialect === "athena"
        ? `CAST(try(from_iso8601_timestamp(${x})) AT TIME ZONE 'UTC' AS timestamp)`
        : `coalesce(CASE WHEN suffix(${x}, 'Z') THEN TRY_CAST(${x} AS TIMESTAMP) END, (TRY_CAST(${x} AS TIMESTAMPTZ) AT TIME ZONE 'UTC'))`;
  }
}

/**
 * Renders an expression. Every form but a bare column, literal or call is parenthesised,
 * so an expression is always safe as an operand.
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
    case "dateLiteral":
      if (!/^\d{4}-\d{2}-\d{2}$/.test(expr.value))
        throw new InvalidLiteralError(`date literal ${JSON.stringify(expr.value)} is not YYYY-MM-DD`);
      return `DATE ${literal(expr.value)}`;
    case "call":
      return renderCall(expr.fn, expr.args.map(r), expr.distinct ?? false, context.dialect);
    case "binary":
      return `(${r(expr.left)} ${expr.op} ${r(expr.right)})`;
    // Nested terms of the same kind are rendered flat, however the tree was built.
    case "and":
      return expr.terms.length ? `(${flatTerms(expr).map(r).join(" AND ")})` : "TRUE";
    case "or":
      return expr.terms.length ? `(${flatTerms(expr).map(r).join(" OR ")})` : "FALSE";
    case "not":
      return `(NOT ${r(expr.expr)})`;
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
      const partition = expr.partitionBy.length ? `PARTITION BY ${expr.partitionBy.map(r).join(", ")} ` : "";
      return `row_number() OVER (${partition}ORDER BY ${renderOrder(expr.orderBy, context)})`;
    }
    case "subquery":
      return `(${renderQuery(expr.query, context)})`;
    case "exists":
      return `EXISTS (${renderQuery(expr.query, context)})`;
    case "ordinal":
      if (!Number.isInteger(expr.position) || expr.position < 1)
        throw new SqlError(`select-list position must be a positive integer, got ${expr.position}`);
      return String(expr.position);
  }
}

// The terms of an AND (or an OR), with those of nested ANDs (ORs) in their place.
function flatTerms(expr: Extract<Expr, { kind: "and" | "or" }>): Expr[] {
  return expr.terms.flatMap((term) => (term.kind === expr.kind ? flatTerms(term as typeof expr) : [term]));
}

// A clause's condition (WHERE, ON, HAVING): a top-level conjunction needs no parentheses.
function renderCondition(expr: Expr, context: RenderContext): string {
  return expr.kind === "and" && expr.terms.length
    ? flatTerms(expr)
        .map((term) => renderExpr(term, context))
        .join(" AND ")
    : renderExpr(expr, context);
}

function renderOrder(terms: OrderBy[], context: RenderContext): string {
  return terms.map((o) => `${renderExpr(o.expr, context)}${o.descending ? " DESC" : ""}`).join(", ");
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

// Names of the DuckDB partition read: the files, each file's partition values, and the column
// carrying each row's file (underscored, as no data column may start with two).
const FILES = quoteIdentifier("__files");
const VALUES = quoteIdentifier("__partitions");
const PATH = quoteIdentifier("__path");
const FILE_COLUMN = "__file";

function parquetList(paths: string[]): string {
  return `read_parquet([${paths.map((path) => literal(path)).join(", ")}], union_by_name = true, hive_partitioning = false)`;
}

// Files written under older schemas, read by name as the declared columns: a column a file
// lacks reads NULL, a narrower type widens (BIGINT → DOUBLE, a struct gaining fields), as
// Athena reads Parquet through the catalog's columns. Columns only the files have are kept.
const byName = (columns: ColumnDef[], read: string, context: RenderContext): string =>
  `${emptyRows(columns, context)} UNION ALL BY NAME SELECT * FROM ${read}`;

function renderSource(source: Source, context: RenderContext, alias: string): string {
  switch (source.kind) {
    case "table":
      return source.alias === undefined
        ? renderTable(source.table)
        : `${renderTable(source.table)} AS ${quoteIdentifier(source.alias)}`;
    case "cte":
      return quoteIdentifier(source.name);
    case "subquery":
      return `(${renderQuery(source.query, context)}) AS ${quoteIdentifier(source.alias)}`;
    case "leftJoin":
      return `${renderSource(source.left, context, alias)} LEFT JOIN ${renderSource(source.right, context, alias)} ON ${renderCondition(source.on, context)}`;
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
        return `(SELECT * FROM ${renderTable(source.table)} WHERE ${conditions.join(" AND ")}) AS ${quoteIdentifier(alias)}`;
      }
      const paths = source.uris.flatMap((uri) => context.files(uri));
      if (paths.length === 0)
        throw new SqlError(`no local files for ${renderTable(source.table)}: ${source.uris.join(", ")}`);
      if (source.columns?.length)
        return `(${byName(source.columns, parquetList(paths), context)}) AS ${quoteIdentifier(alias)}`;
      return `${parquetList(paths)} AS ${quoteIdentifier(alias)}`;
    }
    case "partitions": {
      const all = [...source.columns, ...source.partitionColumns];
      // A renamed column reads its earlier names too: old files hold it there.
      const reads = (qualify: (name: string) => string, { name, renamedFrom = [] }: PartitionColumn): string =>
        renamedFrom.length
          ? `coalesce(${[name, ...renamedFrom].map(qualify).join(", ")}) AS ${quoteIdentifier(name)}`
          : qualify(name);
      const earlier = source.columns.flatMap(({ type, renamedFrom = [] }) =>
        renamedFrom.map((name) => ({ name, type })),
      );
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
        const items = all.map((c) => reads(quoteIdentifier, c)).join(", ");
        return `(SELECT ${items} FROM ${renderTable(source.table)} WHERE ${where}) AS ${quoteIdentifier(alias)}`;
      }
      // One read of every partition's files, each file joined to its partition's values: a
      // table of thousands of partitions stays one scan, not thousands of unioned ones.
      const files: { path: string; keys: string[] }[] = [];
      for (const partition of source.partitions) {
        const keys = source.partitionColumns.map(({ name, type }) => {
          const value = partition.values[name];
          if (value === undefined) throw new SqlError(`partition ${partition.location} has no value for ${name}`);
          return `CAST(${literal(value)} AS ${renderType(type, "duckdb")})`;
        });
        for (const path of context.files(partition.location)) files.push({ path: literal(path), keys });
      }
      if (files.length === 0) return `(${emptyRows(all, context)}) AS ${quoteIdentifier(alias)}`;
      const data = source.columns.map((c) => reads((name) => `${FILES}.${quoteIdentifier(name)}`, c));
      const keys = source.partitionColumns.map(({ name }) => `${VALUES}.${quoteIdentifier(name)}`);
      const names = [PATH, ...source.partitionColumns.map(({ name }) => quoteIdentifier(name))].join(", ");
      const paths = files.map((file) => file.path);
      const rows = files.map((file) => `(${[file.path, ...file.keys].join(", ")})`);
      const read = `read_parquet([${paths.join(", ")}], union_by_name = true, hive_partitioning = false, filename = ${literal(FILE_COLUMN)})`;
      const typed = byName(
        [
          ...source.columns.map(({ name, type }) => ({ name, type })),
          ...earlier,
          { name: FILE_COLUMN, type: "varchar" },
        ],
        read,
        context,
      );
      return `(SELECT ${[...data, ...keys].join(", ")} FROM (${typed}) AS ${FILES} JOIN (VALUES ${rows.join(", ")}) AS ${VALUES}(${names}) ON ${FILES}.${quoteIdentifier(FILE_COLUMN)} = ${VALUES}.${PATH}) AS ${quoteIdentifier(alias)}`;
    }
  }
}

// A member of a UNION ALL is written bare unless its own clauses would otherwise bind to the union.
const unionMember = (query: Query, context: RenderContext): string =>
  query.kind === "with" || (query.kind === "select" && (query.orderBy?.length || query.limit !== undefined))
    ? `(${renderQuery(query, context)})`
    : renderQuery(query, context);

/**
 * Renders a query.
 * @param query the query
 * @param context dialect (and DuckDB file resolver)
 */
export function renderQuery(query: Query, context: RenderContext): string {
  switch (query.kind) {
    case "unionAll":
      if (query.queries.length === 0) throw new SqlError("UNION ALL of no queries");
      return query.queries.map((q) => unionMember(q, context)).join(" UNION ALL ");
    case "firstPerGroup":
      return renderFirstPerGroup(query, context);
    case "with": {
      if (query.queries.length === 0) throw new SqlError("WITH of no queries");
      const named = query.queries.map(
        ({ name, query: q }) => `${quoteIdentifier(name)} AS (${renderQuery(q, context)})`,
      );
      return `WITH ${named.join(", ")} ${renderQuery(query.body, context)}`;
    }
    case "select": {
      const where = query.where ? ` WHERE ${renderCondition(query.where, context)}` : "";
      const groupBy = query.groupBy?.length
        ? ` GROUP BY ${query.groupBy.map((e) => renderExpr(e, context)).join(", ")}`
        : "";
      const having = query.having ? ` HAVING ${renderCondition(query.having, context)}` : "";
      const orderBy = query.orderBy?.length ? ` ORDER BY ${renderOrder(query.orderBy, context)}` : "";
      if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 0))
        throw new SqlError(`LIMIT must be a non-negative integer, got ${query.limit}`);
      const limit = query.limit === undefined ? "" : ` LIMIT ${query.limit}`;
      const distinct = query.distinct ? "DISTINCT " : "";
      return `SELECT ${distinct}${renderItems(query.columns, context)} FROM ${renderSource(query.from, context, "src")}${where}${groupBy}${having}${orderBy}${limit}`;
    }
  }
}

// Names inside a rendered firstPerGroup: the rows it reads, the rank or kept row, the result.
const ROWS = "unioned";
const RANK = "_rn";
const KEPT = "_kept";

function renderFirstPerGroup(query: Extract<Query, { kind: "firstPerGroup" }>, context: RenderContext): string {
  if (query.columns.length === 0) throw new SqlError("firstPerGroup keeps no column");
  const from: Source = { kind: "subquery", query: query.query, alias: ROWS };
  const names = query.columns.map((name) => ({ expr: { kind: "column", path: [name] } }) as SelectItem);
  // With no group (the whole input one group) an aggregate answers a row even for no input.
  if (context.dialect === "duckdb" && context.firstPerGroup === "aggregate" && query.partitionBy.length) {
    // The row whose sort key is smallest: create_sort_key orders exactly as ORDER BY does.
    const row = `{${query.columns.map((name) => `${literal(name)}: ${quoteIdentifier(name)}`).join(", ")}}`;
    const key = query.orderBy
      .map((o) => `${renderExpr(o.expr, context)}, '${o.descending ? "DESC" : "ASC"} NULLS LAST'`)
      .join(", ");
    const groups = query.partitionBy.map((e) => renderExpr(e, context)).join(", ");
    const kept = `SELECT arg_min(${row}, create_sort_key(${key})) AS ${quoteIdentifier(KEPT)} FROM ${renderSource(from, context, ROWS)} GROUP BY ${groups}`;
    return `SELECT unnest(${quoteIdentifier(KEPT)}) FROM (${kept}) AS ${quoteIdentifier("kept")}`;
  }
  const ranked: Query = {
    kind: "select",
    columns: [
      ...names,
      { expr: { kind: "rowNumber", partitionBy: query.partitionBy, orderBy: query.orderBy }, as: RANK },
    ],
    from,
  };
  return renderQuery(
    {
      kind: "select",
      columns: names,
      from: { kind: "subquery", query: ranked, alias: "ranked" },
      where: { kind: "binary", op: "=", left: { kind: "column", path: [RANK] }, right: { kind: "literal", value: 1 } },
    },
    context,
  );
}

function renderClause(clause: MergeClause, context: RenderContext): string {
  const r = (e: Expr): string => renderExpr(e, context);
  const when = `WHEN ${clause.when === "matched" ? "MATCHED" : "NOT MATCHED"}${clause.condition ? ` AND ${r(clause.condition)}` : ""} THEN`;
  switch (clause.action) {
    case "delete":
      return `${when} DELETE`;
    case "update":
      return `${when} UPDATE SET ${clause.set.map(({ column, value }) => `${quoteIdentifier(column)} = ${r(value)}`).join(", ")}`;
    case "insert":
      if (clause.columns.length !== clause.values.length)
        throw new SqlError(`MERGE INSERT of ${clause.columns.length} columns given ${clause.values.length} values`);
      return `${when} INSERT (${clause.columns.map(quoteIdentifier).join(", ")}) VALUES (${clause.values.map(r).join(", ")})`;
  }
}

/**
 * Renders a MERGE, the same text in both dialects (Trino's and DuckDB's MERGE agree).
 * @param statement the merge
 * @param context dialect (and DuckDB file resolver)
 */
export function renderMerge(statement: Extract<Statement, { kind: "merge" }>, context: RenderContext): string {
  if (statement.clauses.length === 0)
    throw new SqlError(`MERGE INTO ${renderTable(statement.into)} has no WHEN clause`);
  const clauses = statement.clauses.map((clause) => renderClause(clause, context));
  return `MERGE INTO ${renderTable(statement.into)} AS ${quoteIdentifier(statement.alias)} USING ${renderSource(statement.using, context, "src")} ON ${renderCondition(statement.on, context)} ${clauses.join(" ")}`;
}
