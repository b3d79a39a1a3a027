import { errorInfo, recordStep, stepTiming } from "@medallion/core/journey";
import { ONLY_FILE_SET_ASIDE_FAILURES, recordPlanFailure } from "@medallion/core/ledger";
import { metricNames } from "@medallion/core/metrics";
import { loadSilverPlan, rollBackSilver, SilverSpecError } from "@medallion/core/silver";
import * as z from "zod";
import { reportStep } from "./journey";
import { clients } from "./shared/clients";
import { linked } from "./shared/config";
import { once, specOf } from "./shared/datasets";
import { lambdaHandler } from "./shared/handler";
import { logger, publishMetric } from "./shared/observability";
import type { SilverDependencies } from "./silver";
import { awsSilverDependencies } from "./silver";

// The pipeline's failure path: a run that fails with a silver plan in hand counts one failure
// on each of the plan's files, records the failed attempt on its journey, and says whether the
// run may plan again without them (the state machine bounds how often); a file that fails alone
// again is set aside. A plan whose silver was committed before it failed (in gold) has its
// commit rolled back first: the failed files' rows leave silver, so the next plan does not fail
// on them again.

/** What the failure path reported last time in this run (`$.setAside`), if it ran. */
const previousResult = z.object({ failed_plans: z.number().int().nonnegative() }).passthrough();

/** The failed run's state, as the Catch left it: the error, and the plans it had made (if any). */
const failureEvent = z.object({
  dataset: z.string().min(1),
  error: z.unknown(),
  journey: z
    .object({ journey_id: z.string().min(1), run_id: z.string().min(1).optional() })
    .passthrough()
    .optional(),
  plan: z
    .object({ plan_key: z.string().min(1), version: z.string().nullable() })
    .passthrough()
    .optional(),
  /** CommitSilver's result: when it holds the plan's version, the failure came after silver, in gold. */
  silver: z.object({ version: z.string().nullable().optional() }).passthrough().optional(),
  /** FinishSilver's result: a plan of this run went through (and when it is the plan in hand, no plan failed). */
  finished: z.object({ plan_key: z.string().optional() }).passthrough().optional(),
  setAside: previousResult.optional(),
});

// Failures that say nothing of the plan's data: a lost lock or lease, a stop, a timeout, a
// service that stayed unavailable after its retries. They never count against a file.
const NOT_DATA = new Set([
  "LockHeldError",
  "LockLostError",
  "JourneyLeaseLostError",
  "JourneyConflictError",
  "JourneyStateError",
  "JourneyInProgressError",
  "Interrupted",
  "States.Timeout",
  "States.HeartbeatTimeout",
]);
const isDataFailure = (name: string): boolean =>
  !NOT_DATA.has(name) && !name.startsWith("Lambda.") && !name.startsWith("Athena.");

/** What the failure path recorded, and whether the run may plan again without the failed files. */
export interface PlanFailureResult {
  /** Files of the failed plan, each counted one failure. */
  files: number;
  /** Those set aside by this failure. */
  set_aside: string[];
  /** The layer whose step failed (`silver` or `gold`), or null when no plan was counted. */
  step: string | null;
  /** Plans of this run that failed from their data so far: the state machine's re-plan cap reads it. */
  failed_plans: number;
  /** The failure may come from the plan's data: plan again (the planner bisects or skips the failed files). */
  replan: boolean;
}

/**
 * Builds the failure path's handler over silver's dependencies (the catalog it rolls back), resolved on first use.
 * @param dependencies clients, catalog, lake names and datasets
 */
export function planFailureHandlers(dependencies: () => SilverDependencies) {
  const deps = once(dependencies);
  /** `$` of a failed run → its silver commit undone, one failure on each file of its plan; a lone file failing again set aside. */
  const record = lambdaHandler(failureEvent, async (event): Promise<PlanFailureResult> => {
    const { name, message } = errorInfo(event.error);
    const failedPlans = event.setAside?.failed_plans ?? 0;
    // No plan in hand, or the one in hand went through (the failure came while planning the next).
    const inHand = event.plan && event.finished?.plan_key !== event.plan.plan_key ? event.plan : undefined;
    if (!inHand || !isDataFailure(name))
      return { files: 0, set_aside: [], step: null, failed_plans: failedPlans, replan: false };
    const started = Date.now();
    const d = deps();
    const plan = await loadSilverPlan({ s3: d.s3, bucket: d.buckets.silver, key: inHand.plan_key });
    const step = inHand.version !== null && event.silver?.version === inHand.version ? "gold" : "silver";
    // Also after a commit cut short (silver): pointing a partition at its former location is a
    // no-op where the commit never swapped it, and the run still holds the dataset's lock.
    if (plan.version !== null && plan.partitions.length) {
      const rolledBack = await rollBackSilver({
        plan,
        spec: specOf(d.datasets, event.dataset, (message) => new SilverSpecError(message)),
        s3: d.s3,
        catalog: d.catalog,
        buckets: d.buckets,
        tables: d.tables(event.dataset),
      });
      logger.info("silver commit rolled back", { dataset: event.dataset, step, ...rolledBack });
    }
    const error = `${name}: ${message}`;
    // A lone file is set aside once a plan of this run went through: when every plan fails, the
    // fault may be the pipeline's (a permission, a service), not the data's. The dataset's only
    // plannable file has no other plan to go through: it is set aside after runs of failures.
    const wentThrough = event.finished !== undefined;
    const onlyFile = plan.files.length === 1 && !plan.more;
    const setAside = await recordPlanFailure(d.doc, d.ledgerTable, plan.files, {
      error,
      step,
      allowSetAside: wentThrough || onlyFile,
      ...(wentThrough ? {} : { setAsideAfter: ONLY_FILE_SET_ASIDE_FAILURES }),
    });
    const failed_plans = failedPlans + 1;
    publishMetric(metricNames.PlansFailed, 1, event.dataset);
    if (setAside.length) {
      logger.warn("files set aside", { dataset: event.dataset, step, files: setAside, error });
      publishMetric(metricNames.FilesSetAside, setAside.length, event.dataset);
    }
    if (event.journey) {
      await recordStep({
        doc: clients.doc,
        table: linked("JourneyControl"),
        journeyId: event.journey.journey_id,
        runId: event.journey.run_id,
        // One step per failed plan, however often the task is retried.
        stepId: `plan_failed-${inHand.plan_key}-${failed_plans}`,
        step: reportStep(event.journey.journey_id, {
          step: "plan_failed",
          status: "failed",
          layer: step,
          dataset: event.dataset,
          message: error,
          details: {
            plan_key: inHand.plan_key,
            files: plan.files.length,
            set_aside: setAside,
            failed_plan: failed_plans,
          },
          records_in: plan.files.length,
          ...stepTiming(started),
        }),
      });
    }
    return { files: plan.files.length, set_aside: setAside, step, failed_plans, replan: plan.files.length > 0 };
  });
  return { record };
}

export const { record } = planFailureHandlers(awsSilverDependencies);
