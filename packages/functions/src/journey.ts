import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { addUsage, athenaStatisticsSchema, athenaUsage } from "@medallion/core/cost";
import type { Journey, JourneyStartResult, JourneyTaskResult, ProcessingStep } from "@medallion/core/journey";
import {
  recordStep as appendStep,
  completeJourney,
  failJourney,
  processingStepSchema,
  recordExecutionUsage,
  startJourney,
  stepIdOf,
} from "@medallion/core/journey";
import type { MetricName } from "@medallion/core/metrics";
import { metricNames } from "@medallion/core/metrics";
import { deployedFunctionOf } from "@medallion/stacks/functions";
import * as z from "zod";
import { clients } from "./shared/clients";
import { linked, runtime } from "./shared/config";
import { lambdaHandler } from "./shared/handler";
import { logger, metrics, publishMetric } from "./shared/observability";

// The journey tasks of the pipeline's state machine: start → record step(s) → complete,
// or fail from the Catch. Each is its own handler export (journey.start, journey.recordStep…).

const journeyRef = {
  journey_id: z.string().min(1),
  /** From the start task's output; fences writes to the run that holds the journey. */
  run_id: z.string().min(1).optional(),
};

const startEvent = z.object({
  idempotency_key: z.string().min(1),
  metadata: z.record(z.string(), z.unknown()).optional(),
  lease_seconds: z.number().int().positive().optional(),
});

const recordStepEvent = z.object({
  ...journeyRef,
  // finished_at may be left out (now), and duration_ms too: the state machine can't subtract.
  step: processingStepSchema.extend({
    finished_at: z.string().optional(),
    duration_ms: z.number().nonnegative().optional(),
  }),
  /** Dedup key of the step; by default a hash of the step, so a retried task appends once. */
  step_id: z.string().min(1).optional(),
  /** The Athena queries the step's work ran (their statistics, as the state machine kept them): the step's usage. */
  queries: z.array(athenaStatisticsSchema).optional(),
});

// The states that end a run: the journey, and the execution whose history says what the run used.
const runEnd = {
  ...journeyRef,
  /** `$$.Execution.Id`: its history is read for the run's state transitions and Lambda invocations. */
  execution_arn: z.string().min(1).optional(),
};

const completeEvent = z.object(runEnd);

const failEvent = z.object({
  ...runEnd,
  /** What the state machine caught: `{ Error, Cause }`, or any error description. */
  error: z.unknown(),
});

/** Start (or resume) the journey of an idempotency key. `duplicate: true` → the run already completed; skip the work. */
export const start = lambdaHandler(startEvent, async (event): Promise<JourneyStartResult> => {
  const { journey, duplicate, resumed } = await startJourney({
    ...journeyTable(),
    idempotencyKey: event.idempotency_key,
    metadata: event.metadata,
    leaseMs: event.lease_seconds === undefined ? undefined : event.lease_seconds * 1000,
  });
  logger.info(duplicate ? "journey already completed" : resumed ? "journey resumed" : "journey started", {
    journey_id: journey.journey_id,
    retry_count: journey.retry_count,
    metadata: journey.metadata,
  });
  publishMetric(
    duplicate ? metricNames.JourneyDuplicate : resumed ? metricNames.JourneyResumed : metricNames.JourneyStarted,
    1,
    datasetOf(journey),
  );
  return { ...taskResult(journey), duplicate, resumed };
});

/** Append a processing step to the journey, and log and count it. */
export const recordStep = lambdaHandler(recordStepEvent, async (event): Promise<JourneyTaskResult> => {
  const finished_at = event.step.finished_at ?? new Date().toISOString();
  const duration_ms =
    event.step.duration_ms ?? (Math.max(0, Date.parse(finished_at) - Date.parse(event.step.started_at)) || 0);
  const usage = event.queries?.length ? addUsage(event.step.usage, athenaUsage(event.queries)) : event.step.usage;
  const step = reportStep(event.journey_id, { ...event.step, finished_at, duration_ms, ...(usage ? { usage } : {}) });
  // The dedup key is taken before stamping host and version, which differ between retries.
  const journey = await appendStep({
    ...journeyTable(),
    journeyId: event.journey_id,
    runId: event.run_id,
    step,
    stepId: event.step_id ?? stepIdOf({ ...event.step, finished_at, duration_ms }),
  });
  publishMetric(metricNames.StepsRecorded, 1);
  return taskResult(journey);
});

/** Mark the journey completed. */
export const complete = lambdaHandler(completeEvent, async (event): Promise<JourneyTaskResult> => {
  const journey = await completeJourney({ ...journeyTable(), journeyId: event.journey_id, runId: event.run_id });
  logger.info("journey completed", { journey_id: journey.journey_id, steps: journey.steps.length });
  await recordUsage(journey.journey_id, event.execution_arn);
  publishMetric(metricNames.JourneyCompleted, 1, datasetOf(journey));
  publishMetric(metricNames.JourneyDuration, durationOf(journey), datasetOf(journey));
  publishMetric(metricNames.AthenaBytesScanned, bytesScanned(journey), datasetOf(journey));
  return taskResult(journey);
});

/** Mark the journey failed with the error the state machine caught. */
export const fail = lambdaHandler(failEvent, async (event) => {
  const journey = await failJourney({
    ...journeyTable(),
    journeyId: event.journey_id,
    runId: event.run_id,
    error: event.error,
  });
  logger.error("journey failed", { journey_id: journey.journey_id, error: journey.error });
  await recordUsage(journey.journey_id, event.execution_arn);
  publishMetric(metricNames.JourneyFailed, 1, datasetOf(journey));
  publishMetric(metricNames.JourneyDuration, durationOf(journey), datasetOf(journey));
  return { ...taskResult(journey), error: journey.error ?? null };
});

/**
 * The processing log's other two sinks: writes the step as a structured log line and
 * as metrics (dimensioned by layer and status), and returns it stamped with this
 * function's host and code version, ready to be appended to the journey.
 * @param journeyId the journey the step belongs to (logged with it)
 * @param step the step as the caller reported it
 */
export function reportStep(journeyId: string, step: ProcessingStep): ProcessingStep {
  const stamped: ProcessingStep = {
    ...step,
    host: step.host ?? runtime.host,
    code_version: step.code_version ?? runtime.codeVersion,
  };
  const line = `step ${stamped.step} ${stamped.status}`;
  if (stamped.status === "failed") logger.error(line, { journey_id: journeyId, ...stamped });
  else logger.info(line, { journey_id: journeyId, ...stamped });

  // A single metric publishes (and forgets its dimensions) on each value, so one per value.
  const count = (name: MetricName, unit: Parameters<typeof metrics.addMetric>[1], value: number | undefined) => {
    if (value === undefined) return;
    const metric = metrics.singleMetric();
    metric.addDimensions({ layer: stamped.layer ?? "none", status: stamped.status });
    if (stamped.dataset) metric.addMetadata("dataset", stamped.dataset);
    metric.addMetric(name, unit, value);
  };
  count(metricNames.StepDuration, MetricUnit.Milliseconds, stamped.duration_ms);
  count(metricNames.RecordsProcessed, MetricUnit.Count, stamped.records_in);
  count(metricNames.RecordsOut, MetricUnit.Count, stamped.records_out);
  count(metricNames.RecordsInvalid, MetricUnit.Count, stamped.records_invalid);
  return stamped;
}

/**
 * A step of a task that is not a journey task itself (congregado, gold): logged and counted
 * always, appended to the journey when the event names one.
 * @param options document client, journey table, the journey (if any) and the step
 */
export async function logStep({
  doc,
  table,
  journeyId,
  runId,
  step,
}: {
  doc: DynamoDBDocumentClient;
  table: string | undefined;
  journeyId?: string;
  runId?: string;
  step: ProcessingStep;
}): Promise<ProcessingStep> {
  const stamped = reportStep(journeyId ?? "none", step);
  if (journeyId && table) await appendStep({ doc, table, journeyId, runId, step: stamped });
  return stamped;
}

/**
 * Records what the execution used, from its history, as the journey's `run_usage` step: after the
 * journey's outcome is written, and never failing the state (a history that cannot be read loses
 * the run's cost, not its outcome).
 * @param journeyId the journey
 * @param executionArn the execution (`$$.Execution.Id`); none, nothing recorded
 */
async function recordUsage(journeyId: string, executionArn: string | undefined): Promise<void> {
  if (!executionArn) return;
  try {
    await recordExecutionUsage({
      ...journeyTable(),
      sfn: clients.sfn,
      journeyId,
      executionArn,
      functionOfState: deployedFunctionOf,
    });
  } catch (error) {
    logger.warn("the execution's usage was not recorded", { journey_id: journeyId, execution: executionArn, error });
  }
}

// The dataset a journey runs for, as the pipeline's start task names it in its metadata.
function datasetOf(journey: Journey): string | undefined {
  return typeof journey.metadata.dataset === "string" ? journey.metadata.dataset : undefined;
}

// What the journey's Athena queries scanned, from the usage its steps recorded: published once, as
// it completes, so a failed run's scans count when the run that resumes its journey completes.
function bytesScanned(journey: Journey): number {
  return addUsage(...journey.steps.map((step) => step.usage)).athena_bytes_scanned ?? 0;
}

function durationOf(journey: Journey): number {
  return Math.max(0, Date.parse(journey.updated_at) - Date.parse(journey.created_at));
}

function journeyTable() {
  return { doc: clients.doc, table: linked("JourneyControl") };
}

function taskResult(journey: Journey): JourneyTaskResult {
  return {
    journey_id: journey.journey_id,
    run_id: journey.run_id ?? null,
    status: journey.status,
    retry_count: journey.retry_count,
    steps: journey.steps.length,
  };
}
