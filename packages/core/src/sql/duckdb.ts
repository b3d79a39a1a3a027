import type { Query, Statement } from "./ast";
import { UnsupportedStatementError } from "./errors";
import { literal, quoteIdentifier } from "./quote";
import type { DuckDbFiles } from "./render";
import { renderQuery } from "./render";

/** Options of {@link renderDuckDb}. */
export interface DuckDbRenderOptions extends DuckDbFiles {
  /** Local directory an `unload` writes to; the engine then uploads it to the statement's `to`. */
  unloadDirectory?: string;
}

/**
 * Renders a statement for DuckDB. Partition DDL has no DuckDB form (the local catalog is
 * not SQL), and an `unload` becomes a `COPY … TO` a local directory.
 * @param statement the statement
 * @param options local file resolver, and the directory an unload writes to
 */
export function renderDuckDb(statement: Statement, options: DuckDbRenderOptions): string {
  const context = { dialect: "duckdb", files: options.files } as const;
  switch (statement.kind) {
    case "query":
      return renderQuery(statement.query, context);
    case "unload": {
      if (options.unloadDirectory === undefined)
        throw new UnsupportedStatementError(`unload to ${statement.to} needs a local directory`);
      const partitioned = statement.partitionedBy.length
        ? `, PARTITION_BY (${statement.partitionedBy.map(quoteIdentifier).join(", ")})`
        : "";
      return `COPY (${renderQuery(statement.query, context)}) TO ${literal(options.unloadDirectory)} (FORMAT parquet, COMPRESSION snappy${partitioned})`;
    }
    case "addPartitions":
    case "setPartitionLocation":
      throw new UnsupportedStatementError(`${statement.kind} is catalog DDL; DuckDB's catalog is not SQL`);
  }
}

/**
 * Every S3 URI a statement reads (objects and partition locations), so an engine can list
 * the local files behind them before rendering.
 * @param statement the statement
 */
export function readUris(statement: Statement): string[] {
  const uris: string[] = [];
  const visit = (query: Query): void => {
    if (query.kind === "unionAll") {
      for (const part of query.queries) visit(part);
      return;
    }
    const source = query.from;
    if (source.kind === "subquery") visit(source.query);
    else if (source.kind === "files") uris.push(...source.uris);
    else if (source.kind === "partitions") uris.push(...source.partitions.map((p) => p.location));
  };
  if (statement.kind === "query" || statement.kind === "unload") visit(statement.query);
  return uris;
}
