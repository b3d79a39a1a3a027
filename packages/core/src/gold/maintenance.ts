import type { SqlEngine } from "../engine/port";
import type { Statement, TableRef } from "../sql/ast";
import { bareIdentifier } from "../sql/quote";
import { GoldMaintenanceIncompleteError, GoldSpecError } from "./errors";
import type { RetryOptions } from "./retry";
import { runWithRetry } from "./retry";
import type { GoldSpec } from "./spec";

// OPTIMIZE and VACUUM take plain names: a gold spec naming something else fails here, before anything runs.
function maintained(database: string, name: string): TableRef {
  for (const part of [database, name]) {
    try {
      bareIdentifier(part);
    } catch (error) {
      throw new GoldSpecError(`cannot name ${JSON.stringify(part)} in OPTIMIZE/VACUUM: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return { database, name };
}

/**
 * Athena's compaction of an Iceberg table: small files and delete files rewritten into
 * larger data files.
 * @param database gold database
 * @param table table name
 * @example renderAthena(optimizeStatement("gold", "car_monthly")) // "OPTIMIZE gold.car_monthly REWRITE DATA USING BIN_PACK"
 */
export const optimizeStatement = (database: string, table: string): Statement => ({
  kind: "optimize",
  table: maintained(database, table),
});

/**
 * Athena's snapshot expiry and orphan-file removal of an Iceberg table.
 * @param database gold database
 * @param table table name
 * @example renderAthena(vacuumStatement("gold", "car_monthly")) // "VACUUM gold.car_monthly"
 */
export const vacuumStatement = (database: string, table: string): Statement => ({
  kind: "vacuum",
  table: maintained(database, table),
});

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
  const untilDone = async (statement: Statement, what: string): Promise<number> => {
    for (let run = 1; run <= maxRuns; run++) {
      try {
        await runWithRetry(engine, statement, retry);
        return run;
      } catch (error) {
        if (!needsMoreRuns(error)) throw error;
      }
    }
    throw new GoldMaintenanceIncompleteError(`${what} still needs more runs after ${maxRuns}`);
  };
  for (const table of gold.tables) {
    if (engine.dialect !== "athena") {
      summaries.push({ table: `${database}.${table.name}`, optimizeRuns: 0, vacuumRuns: 0 });
      continue;
    }
    const name = `${database}.${table.name}`;
    const optimizeRuns = await untilDone(optimizeStatement(database, table.name), `OPTIMIZE ${name}`);
    const vacuumRuns = await untilDone(vacuumStatement(database, table.name), `VACUUM ${name}`);
    summaries.push({ table: name, optimizeRuns, vacuumRuns });
  }
  return summaries;
}
