import type { Dialect, Statement } from "../sql/ast";
import { renderAthena } from "../sql/athena";
import { renderDuckDb } from "../sql/duckdb";
import { GoldSpecError, GoldStatementTooLargeError } from "./errors";
import { chunk } from "./windows";

/** Athena writes at most this many partitions in one statement. */
export const MAX_PARTITIONS_PER_STATEMENT = 100;

/** Athena's limit on query text, in bytes. */
export const MAX_QUERY_BYTES = 262_144;

/** Options of {@link planChunks}. */
export interface ChunkLimits<T> {
  /** Most windows per statement; each window writes one gold partition. */
  maxWindows?: number;
  maxQueryBytes?: number;
  /** The longest statement a chunk produces (the MERGE text). */
  render: (windows: T[]) => string;
  /** For the error message. */
  table: string;
}

/**
 * The text an engine of `dialect` runs for a gold statement, to be measured against the
 * limits. Gold statements read tables, never files, so no local file is ever looked up.
 * @param statement the statement
 * @param dialect the engine's dialect
 */
export function statementText(statement: Statement, dialect: Dialect): string {
  if (dialect === "athena") return renderAthena(statement);
  return renderDuckDb(statement, {
    files: (uri) => {
      throw new GoldSpecError(`gold statements read tables, not files (asked for ${uri})`);
    },
  });
}

const bytes = (text: string): number => new TextEncoder().encode(text).byteLength;

/**
 * Splits windows into statements that stay under Athena's limits: at most `maxWindows`
 * windows each, and halved again while the rendered text is too long.
 * @param windows windows in order
 * @param limits partition and text limits, and how a chunk renders
 */
export function planChunks<T>(
  windows: readonly T[],
  { maxWindows = MAX_PARTITIONS_PER_STATEMENT, maxQueryBytes = MAX_QUERY_BYTES, render, table }: ChunkLimits<T>,
): T[][] {
  const fit = (part: T[]): T[][] => {
    const size = bytes(render(part));
    if (size <= maxQueryBytes) return [part];
    if (part.length === 1)
      throw new GoldStatementTooLargeError(
        `MERGE into ${table} for one window is ${size} bytes, over the ${maxQueryBytes}-byte query limit`,
      );
    const half = Math.ceil(part.length / 2);
    return [...fit(part.slice(0, half)), ...fit(part.slice(half))];
  };
  return chunk(windows, maxWindows).flatMap(fit);
}
