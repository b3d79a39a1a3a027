import type { CongregadoTable } from "../congregado/save";
import type { SqlEngine } from "../engine/port";
import type { PlanGoldOptions } from "./plan";
import { goldStepReadsRows, planGold } from "./plan";
import type { GoldSummary, ResultRows } from "./results";
import { checkGoldResult, finishGold } from "./results";
import type { RetryOptions } from "./retry";
import { runWithRetry } from "./retry";

/** Options of {@link mergeGold}. */
export interface MergeGoldOptions extends Omit<PlanGoldOptions, "dialect"> {
  engine: SqlEngine;
  /** Where congregados are saved; without it none is saved. */
  congregado?: CongregadoTable;
  retry?: RetryOptions;
}

/**
 * Runs a gold plan ({@link planGold}) in-process, each statement on `engine`, as the pipeline's
 * state machine runs it on Athena: create, check every source's keys before any table is
 * touched, count, MERGE (commit conflicts and throttling retried), then each table's bounded
 * congregado reads, and {@link finishGold}. For tests, benchmarks and tools that hold an engine;
 * the pipeline itself never waits on a statement in a Lambda. Re-running a window changes nothing.
 * @param options engine, spec, affected partitions, silver table, gold location, congregado table
 * @example const summary = await mergeGold({ engine, spec: carTelemetry, partitions: plan.partitions, silver: { database: "silver", name: "car_telemetry" } });
 */
export async function mergeGold({ engine, congregado, retry, ...options }: MergeGoldOptions): Promise<GoldSummary> {
  const plan = planGold({ ...options, dialect: engine.dialect });
  const rows = new Map<number, ResultRows>();
  for (const [index, step] of plan.steps.entries()) {
    const result = await runWithRetry(engine, step.statement, retry);
    if (goldStepReadsRows(step.kind)) rows.set(index, checkGoldResult(plan, step, result.rows));
  }
  return finishGold({ plan, rowsOf: async (index) => rows.get(index) ?? [], ...(congregado ? { congregado } : {}) });
}
