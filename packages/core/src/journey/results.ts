import * as z from "zod";

/** Where a journey lives in a pipeline run's life. */
export const journeyStatusSchema = z.enum(["pending", "in_progress", "completed", "failed"]);

/** Where a journey lives in a pipeline run's life. */
export type JourneyStatus = z.infer<typeof journeyStatusSchema>;

/** What a journey task returns to the state machine: the journey as it stands after the task. */
export const journeyTaskResultSchema = z.object({
  journey_id: z.string(),
  /** The run that holds the journey (later tasks pass it on to fence their writes). */
  run_id: z.string().nullable(),
  status: journeyStatusSchema,
  retry_count: z.number().int().nonnegative(),
  /** Steps recorded so far. */
  steps: z.number().int().nonnegative(),
});

/** What a journey task returns. */
export type JourneyTaskResult = z.infer<typeof journeyTaskResultSchema>;

/** What the start task returns: `duplicate` when the window already completed (the run skips its work). */
export const journeyStartResultSchema = journeyTaskResultSchema.extend({
  duplicate: z.boolean(),
  /** The journey had failed or crashed before, and this run took it over. */
  resumed: z.boolean(),
});

/** What the start task returns. */
export type JourneyStartResult = z.infer<typeof journeyStartResultSchema>;
