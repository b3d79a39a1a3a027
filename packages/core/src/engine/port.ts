import type { Dialect, Statement } from "../sql/ast";

/** Rows of a query, as objects keyed by column name. */
export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
  /** What running it took, as Athena reports it (`DataScannedInBytes`, `EngineExecutionTimeInMillis`). */
  statistics?: QueryStatistics;
  /**
   * Rows an UNLOAD (or CREATE TABLE AS, INSERT) wrote, as Athena's `UpdateCount` reports them:
   * silver's commit sums them instead of reading back every file the statement wrote.
   */
  rowsWritten?: number;
}

/** What one query scanned and how long the engine ran it (locally: bytes of the objects DuckDB read). */
export interface QueryStatistics {
  scannedBytes: number;
  engineMs: number;
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
