import * as z from "zod";
import { usageSchema } from "../cost/usage";

/** Lake layers a processing step works on. */
export const layers = ["landing", "bronze", "silver", "gold"] as const;

/** Outcome of one processing step. */
export const stepStatuses = ["succeeded", "failed", "skipped"] as const;

const count = z.number().int().nonnegative();

/**
 * One processing-log record: what a handler did in one step. It is appended to the
 * journey's `steps` and also logged and counted by the handler; there is no third store.
 */
export const processingStepSchema = z.object({
  step: z.string().min(1),
  status: z.enum(stepStatuses),
  dataset: z.string().optional(),
  layer: z.enum(layers).optional(),
  file: z.string().optional(),
  partition: z.string().optional(),
  message: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  started_at: z.string(),
  finished_at: z.string(),
  duration_ms: z.number().nonnegative(),
  records_in: count.optional(),
  records_out: count.optional(),
  records_invalid: count.optional(),
  /** Attempt number within one run (0 = first), when a step is retried. */
  attempt: count.optional(),
  /** What the step used of the services AWS bills by use (Athena, Lambda, Step Functions, S3, DynamoDB). */
  usage: usageSchema.optional(),
  host: z.string().optional(),
  code_version: z.string().optional(),
});

/** A processing-log record (see {@link processingStepSchema}). */
export type ProcessingStep = z.infer<typeof processingStepSchema>;

/** Lake layer of a step. */
export type Layer = (typeof layers)[number];

/** Outcome of a step. */
export type StepStatus = (typeof stepStatuses)[number];

/**
 * Start, end and duration of a step, in the form steps store them.
 * @param startedAt epoch ms when the step started
 * @param finishedAt epoch ms when it finished (default: now)
 * @example stepTiming(t0) // { started_at: "2026-…", finished_at: "2026-…", duration_ms: 42 }
 */
export function stepTiming(
  startedAt: number,
  finishedAt: number = Date.now(),
): Pick<ProcessingStep, "started_at" | "finished_at" | "duration_ms"> {
  return {
    started_at: new Date(startedAt).toISOString(),
    finished_at: new Date(finishedAt).toISOString(),
    duration_ms: Math.max(0, finishedAt - startedAt),
  };
}
