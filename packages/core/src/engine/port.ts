import type { Dialect, Statement } from "../sql/ast";

/** Rows of a query, as objects keyed by column name. */
export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

/**
 * The SQL-engine port: the one seam between AWS and the embedded stack. Athena and DuckDB
 * adapters implement it; which one runs is configuration, never a branch in domain code.
 */
export interface SqlEngine {
  /** The dialect statements are rendered in. */
  readonly dialect: Dialect;
  /**
   * Runs a statement, rendered by the adapter in its dialect.
   * @param statement the statement's syntax tree
   */
  run(statement: Statement): Promise<QueryResult>;
}
