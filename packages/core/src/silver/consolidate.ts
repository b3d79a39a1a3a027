import type { SqlEngine } from "../engine/port";
import type { CommitSilverOptions, SilverSummary } from "./commit";
import { commitSilver } from "./commit";
import type { PendingFile } from "./ledger";
import type { SilverPlan } from "./plan";
import { planSilver } from "./plan";

/**
 * Runs a plan's statements in order on an engine (locally; on AWS the state machine runs them).
 * @param options plan and engine
 */
export async function executeSilverPlan({ plan, engine }: { plan: SilverPlan; engine: SqlEngine }): Promise<void> {
  for (const statement of plan.statements) await engine.run(statement);
}

/** Options of {@link consolidateSilver}. */
export type ConsolidateSilverOptions<E extends PendingFile> = Omit<CommitSilverOptions<E>, "plan"> & {
  engine: SqlEngine;
  maxFiles?: number;
};

/**
 * Plan → execute → commit with one engine: the whole consolidation in one call, for the
 * embedded stack and tests.
 * @param options spec, ledger, S3 client, catalog, engine, buckets and tables
 * @example const summary = await consolidateSilver({ spec, ledger, s3, catalog, engine, buckets, tables });
 */
export async function consolidateSilver<E extends PendingFile>(
  options: ConsolidateSilverOptions<E>,
): Promise<SilverSummary> {
  const plan = await planSilver(options);
  await executeSilverPlan({ plan, engine: options.engine });
  return commitSilver({ ...options, plan });
}
