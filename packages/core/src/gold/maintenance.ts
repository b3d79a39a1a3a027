import type { SqlEngine } from "../engine/port";
import { GoldMaintenanceIncompleteError, GoldSpecError } from "./errors";
import type { RetryOptions } from "./retry";
import { runWithRetry } from "./retry";
import type { GoldSpec } from "./spec";

// OPTIMIZE and VACUUM take plain names; Glue names are lower case, digits and underscores anyway.
function bare(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new GoldSpecError(
      `cannot name ${JSON.stringify(name)} in OPTIMIZE/VACUUM: lower-case letters, digits and _ only`,
    );
  return name;
}

/**
 * Athena's compaction of an Iceberg table: small files and delete files rewritten into
 * larger data files.
 * @param database gold database
 * @param table table name
 * @example optimizeSql("gold", "car_monthly") // "OPTIMIZE gold.car_monthly REWRITE DATA USING BIN_PACK"
 */
export const optimizeSql = (database: string, table: string): string =>
  `OPTIMIZE ${bare(database)}.${bare(table)} REWRITE DATA USING BIN_PACK`;

/**
 * Athena's snapshot expiry and orphan-file removal of an Iceberg table.
 * @param database gold database
 * @param table table name
 * @example vacuumSql("gold", "car_monthly") // "VACUUM gold.car_monthly"
 */
export const vacuumSql = (database: string, table: string): string => `VACUUM ${bare(database)}.${bare(table)}`;

// Athena stops a long OPTIMIZE/VACUUM and fails it with this code; the work done is kept.
const MORE_RUNS = /(ICEBERG_OPTIMIZE|ICEBERG_VACUUM)_MORE_RUNS_NEEDED|MORE_RUNS_NEEDED/;

const needsMoreRuns = (error: unknown): boolean => {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const reason = (current as { reason?: unknown }).reason;
    if (MORE_RUNS.test(current.message) || (typeof reason === "string" && MORE_RUNS.test(reason))) return true;
  }
  return false;
};

/** Options of {@link optimizeGold}. */
export interface OptimizeGoldOptions {
  engine: SqlEngine;
  gold: GoldSpec;
  /** Gold database; default the gold spec's, else `gold`. */
  database?: string;
  /** Runs of one statement before giving up while Athena still asks for more (default 10). */
  maxRuns?: number;
  retry?: RetryOptions;
}

/** Runs per table of OPTIMIZE and VACUUM. */
export interface OptimizeSummary {
  table: string;
  optimizeRuns: number;
  vacuumRuns: number;
}

/**
 * The scheduled maintenance of gold: OPTIMIZE then VACUUM of every table, each re-run while
 * Athena says more runs are needed. DuckDB tables need neither: nothing runs there.
 * @param options engine, gold spec, database, run and retry limits
 * @example await optimizeGold({ engine, gold: carTelemetryGold });
 */
export async function optimizeGold({
  engine,
  gold,
  database = gold.database ?? "gold",
  maxRuns = 10,
  retry,
}: OptimizeGoldOptions): Promise<OptimizeSummary[]> {
  const summaries: OptimizeSummary[] = [];
  const untilDone = async (sql: string): Promise<number> => {
    for (let run = 1; run <= maxRuns; run++) {
      try {
        await runWithRetry(engine, sql, retry);
        return run;
      } catch (error) {
        if (!needsMoreRuns(error)) throw error;
      }
    }
    throw new GoldMaintenanceIncompleteError(`${sql} still needs more runs after ${maxRuns}`);
  };
  for (const table of gold.tables) {
    if (engine.dialect !== "athena") {
      summaries.push({ table: `${database}.${table.name}`, optimizeRuns: 0, vacuumRuns: 0 });
      continue;
    }
    const optimizeRuns = await untilDone(optimizeSql(database, table.name));
    const vacuumRuns = await untilDone(vacuumSql(database, table.name));
    summaries.push({ table: `${database}.${table.name}`, optimizeRuns, vacuumRuns });
  }
  return summaries;
}
