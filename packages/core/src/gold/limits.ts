import type { Dialect, Statement } from "../sql/ast";
import { renderAthena } from "../sql/athena";
import { renderDuckDb } from "../sql/duckdb";
import { GoldSpecError, GoldStatementTooLargeError } from "./errors";

/** Athena writes at most this many partitions in one statement. */
export const MAX_PARTITIONS_PER_STATEMENT = 100;

/** Athena's limit on query text, in bytes. */
export const MAX_QUERY_BYTES = 262_144;

/** Options of {@link planChunks}. */
export interface ChunkLimits<T> {
  /** Most gold partitions one statement writes (Athena's limit). */
  maxPartitions?: number;
  /** The gold partition a window writes to (windows of one month share a monthly partition); default one per window. */
  partitionOf?: (window: T) => string;
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
 * Splits consecutive windows into statements that stay under Athena's limits: as many windows
 * as write at most `maxPartitions` gold partitions, halved again while the rendered text is too long.
 * @param windows windows in order
 * @param limits partition and text limits, and how a chunk renders
 */
export function planChunks<T>(
  windows: readonly T[],
  {
    maxPartitions = MAX_PARTITIONS_PER_STATEMENT,
    partitionOf = (window) => JSON.stringify(window),
    maxQueryBytes = MAX_QUERY_BYTES,
    render,
    table,
  }: ChunkLimits<T>,
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
  if (!Number.isInteger(maxPartitions) || maxPartitions < 1)
    throw new GoldSpecError(`partitions per statement must be a positive integer, got ${maxPartitions}`);
  const byPartitions: T[][] = [];
  let current: T[] = [];
  let written = new Set<string>();
  for (const window of windows) {
    const partition = partitionOf(window);
    if (!written.has(partition) && written.size === maxPartitions) {
      byPartitions.push(current);
      current = [];
      written = new Set();
    }
    written.add(partition);
    current.push(window);
  }
  if (current.length) byPartitions.push(current);
  return byPartitions.flatMap(fit);
}
