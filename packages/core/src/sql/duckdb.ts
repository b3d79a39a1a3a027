import type { Statement } from "./ast";
import { UnsupportedStatementError } from "./errors";
import { literal, quoteIdentifier } from "./quote";
import type { DuckDbFiles, FirstPerGroup } from "./render";
import { renderMerge, renderQuery, renderTable, renderType } from "./render";

/** Options of {@link renderDuckDb}. */
export interface DuckDbRenderOptions extends DuckDbFiles {
  /** Local directory an `unload` writes to; the engine then uploads it to the statement's `to`. */
  unloadDirectory?: string;
  /** How a `firstPerGroup` query keeps its rows ({@link FirstPerGroup}); default the window. */
  firstPerGroup?: FirstPerGroup;
}

/**
 * Renders a statement for DuckDB. Partition DDL has no DuckDB form (the local catalog is
 * not SQL), an `unload` becomes a `COPY … TO` a local directory, and DuckDB tables need no
 * Iceberg maintenance (OPTIMIZE, VACUUM).
 * @param statement the statement
 * @param options local file resolver, the directory an unload writes to, how a group's first row is kept
 */
export function renderDuckDb(statement: Statement, options: DuckDbRenderOptions): string {
  const context = { dialect: "duckdb", files: options.files, firstPerGroup: options.firstPerGroup } as const;
  switch (statement.kind) {
    case "query":
      return renderQuery(statement.query, context);
    case "merge":
      return renderMerge(statement, context);
    case "unload": {
      if (options.unloadDirectory === undefined)
        throw new UnsupportedStatementError(`unload to ${statement.to} needs a local directory`);
      const partitioned = statement.partitionedBy.length
        ? `, PARTITION_BY (${statement.partitionedBy.map(quoteIdentifier).join(", ")})`
        : "";
      return `COPY (${renderQuery(statement.query, context)}) TO ${literal(options.unloadDirectory)} (FORMAT parquet, COMPRESSION snappy${partitioned})`;
    }
    case "createSchema":
      return `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(statement.database)}`;
    case "createTable": {
      const definitions = statement.columns.map(
        ({ name, type }) => `${quoteIdentifier(name)} ${renderType(type, "duckdb")}`,
      );
      const key = statement.primaryKey.length
        ? [`PRIMARY KEY (${statement.primaryKey.map(quoteIdentifier).join(", ")})`]
        : [];
      // The schema comes with the table, as a Glue database exists before any table on AWS (infra's).
      return `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(statement.table.database)}; CREATE TABLE IF NOT EXISTS ${renderTable(statement.table)} (${[...definitions, ...key].join(", ")})`;
    }
    case "addColumn":
      return `ALTER TABLE ${renderTable(statement.table)} ADD COLUMN ${quoteIdentifier(statement.column.name)} ${renderType(statement.column.type, "duckdb")}`;
    case "optimize":
    case "vacuum":
      throw new UnsupportedStatementError(`${statement.kind} is Iceberg maintenance; DuckDB tables need none`);
  }
}
