import type { Expr, Query, Source, Statement, TableRef } from "./ast";

function exprQueries(expr: Expr): Query[] {
  switch (expr.kind) {
    case "column":
    case "literal":
    case "dateLiteral":
    case "ordinal":
      return [];
    case "subquery":
    case "exists":
      return [expr.query];
    case "call":
      return expr.args.flatMap(exprQueries);
    case "binary":
      return [...exprQueries(expr.left), ...exprQueries(expr.right)];
    case "and":
    case "or":
      return expr.terms.flatMap(exprQueries);
    case "not":
    case "isNull":
    case "cast":
      return exprQueries(expr.expr);
    case "in":
      return [expr.expr, ...expr.values].flatMap(exprQueries);
    case "case":
      return [
        ...expr.whens.flatMap(({ when, then }) => [when, then]),
        ...(expr.otherwise ? [expr.otherwise] : []),
      ].flatMap(exprQueries);
    case "rowNumber":
      return [...expr.partitionBy, ...expr.orderBy.map((o) => o.expr)].flatMap(exprQueries);
  }
}

function sourceSources(source: Source): Source[] {
  switch (source.kind) {
    case "subquery":
      return [source, ...querySources(source.query)];
    case "leftJoin":
      return [source, ...sourceSources(source.left), ...sourceSources(source.right), ...exprSources(source.on)];
    default:
      return [source];
  }
}

const exprSources = (expr: Expr): Source[] => exprQueries(expr).flatMap(querySources);

function querySources(query: Query): Source[] {
  switch (query.kind) {
    case "unionAll":
      return query.queries.flatMap(querySources);
    case "firstPerGroup":
      return [
        ...querySources(query.query),
        ...[...query.partitionBy, ...query.orderBy.map((o) => o.expr)].flatMap(exprSources),
      ];
    case "with":
      return [...query.queries.flatMap(({ query: named }) => querySources(named)), ...querySources(query.body)];
    case "select": {
      const items = query.columns === "*" ? [] : query.columns.map(({ expr }) => expr);
      const exprs = [
        ...items,
        ...(query.where ? [query.where] : []),
        ...(query.groupBy ?? []),
        ...(query.having ? [query.having] : []),
        ...(query.orderBy ?? []).map((o) => o.expr),
      ];
      return [...sourceSources(query.from), ...exprs.flatMap(exprSources)];
    }
  }
}

/**
 * Every source a statement reads, nested ones included (subqueries, joins, WITH, EXISTS);
 * a MERGE's target counts as a table it reads.
 * @param statement the statement
 */
export function readSources(statement: Statement): Source[] {
  switch (statement.kind) {
    case "query":
    case "unload":
      return querySources(statement.query);
    case "merge":
      return [
        { kind: "table", table: statement.into },
        ...sourceSources(statement.using),
        ...exprSources(statement.on),
        ...statement.clauses.flatMap((clause) => {
          const exprs = [
            ...(clause.condition ? [clause.condition] : []),
            ...(clause.action === "update" ? clause.set.map(({ value }) => value) : []),
            ...(clause.action === "insert" ? clause.values : []),
          ];
          return exprs.flatMap(exprSources);
        }),
      ];
    default:
      return [];
  }
}

/**
 * Every S3 URI a statement reads (objects and partition locations), so an engine can list
 * the local files behind them before rendering.
 * @param statement the statement
 */
export function readUris(statement: Statement): string[] {
  return readSources(statement).flatMap((source) =>
    source.kind === "files"
      ? source.uris
      : source.kind === "partitions"
        ? source.partitions.map((p) => p.location)
        : [],
  );
}

/**
 * Every table a statement reads by name (not through its files or partitions), so an engine
 * can bring views of them up to date first.
 * @param statement the statement
 */
export function readTables(statement: Statement): TableRef[] {
  return readSources(statement).flatMap((source) => (source.kind === "table" ? [source.table] : []));
}
