import { errorInfo } from "@medallion/core/journey";
import { recordPlanFailure } from "@medallion/core/ledger";
import { metricNames } from "@medallion/core/metrics";
import { loadSilverPlan } from "@medallion/core/silver";
import * as z from "zod";
import { clients } from "./shared/clients";
import { linked } from "./shared/config";
import { lambdaHandler } from "./shared/handler";
import { logger, publishMetric } from "./shared/observability";

// The pipeline's failure path, before FailJourney: a run that fails with a silver plan in hand
// counts one failure on each of the plan's files; a file that fails alone twice is set aside.

/** The failed run's state, as the Catch left it: the error, and the plans it had made (if any). */
const failureEvent = z.object({
  dataset: z.string().min(1),
  error: z.unknown(),
  plan: z.object({ plan_key: z.string().min(1), version: z.string().nullable() }).optional(),
  /** CommitSilver's result: when it holds the plan's version, the failure came after silver, in gold. */
  silver: z.object({ version: z.string().nullable().optional() }).passthrough().optional(),
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

/** What the failure path recorded: the files it counted a failure on, and those it set aside. */
export interface PlanFailureResult {
  files: number;
  set_aside: string[];
  step: string | null;
}

/** `$` of a failed run → one failure on each file of its silver plan; files failing alone twice set aside. */
export const record = lambdaHandler(failureEvent, async (event): Promise<PlanFailureResult> => {
  const { name, message } = errorInfo(event.error);
  if (!event.plan || !isDataFailure(name)) return { files: 0, set_aside: [], step: null };
  const plan = await loadSilverPlan({ s3: clients.s3, bucket: linked("Silver"), key: event.plan.plan_key });
  const step = event.plan.version !== null && event.silver?.version === event.plan.version ? "gold" : "silver";
  const setAside = await recordPlanFailure(clients.doc, linked("Ledger"), plan.files, {
    error: `${name}: ${message}`,
    step,
  });
  if (setAside.length) {
    logger.warn("files set aside", { dataset: event.dataset, step, files: setAside, error: `${name}: ${message}` });
    publishMetric(metricNames.FilesSetAside, setAside.length, event.dataset);
  }
  return { files: plan.files.length, set_aside: setAside, step };
});
