import { execFile } from "node:child_process";
import { promisify } from "node:util";

/** Who converted: our bundle (ours.ts) or DuckDB (duckdb.ts). */
export type Engine = "ours" | "duckdb";

/** One conversion, as ours.ts and duckdb.ts print it. */
export interface Run {
  engine: Engine;
  records: number;
  ms: number;
  /** CPU time of every thread of the process (ours only). */
  cpuMs?: number;
  maxRssBytes: number;
}

/**
 * Runs one conversion in its own node process (so its peak RSS is its own) and reads the
 * JSON line it prints last.
 * @param args node's arguments: a script and its own
 * @param engine the engine the script must report
 */
export async function measure(args: string[], engine: Engine): Promise<Run> {
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 20 });
  const run = JSON.parse(stdout.trim().split("\n").at(-1)!) as Run;
  if (run.engine !== engine) throw new Error(`expected a ${engine} run, got ${stdout}`);
  return run;
}

/** The median of some measurements (the upper one of an even count). */
export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}
