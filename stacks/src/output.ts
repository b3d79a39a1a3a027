import type { GoldSummary } from "@medallion/core/gold";
import { journeyStartResultSchema, journeyTaskResultSchema } from "@medallion/core/journey";
import { datasetWindowSchema } from "@medallion/core/schedule";
import { silverSummarySchema } from "@medallion/core/silver";
import { z } from "zod";

// Gold's summary is core's type as is; only its shape is checked here.
const goldSummarySchema = z.custom<GoldSummary>(
  (value) => typeof value === "object" && value !== null && Array.isArray((value as { tables?: unknown }).tables),
  { message: "expected gold's summary (an object with tables)" },
);

/**
 * What a succeeded execution of the pipeline (`./pipeline`) ends with, as far as its readers
 * (the CLI, tests) go: each task's result at the ResultPath the definition gives it. A window
 * already completed ends after `journey`; a run with nothing pending has no `silver` or `gold`;
 * a backlog leaves those of its last plan.
 */
export const pipelineOutputSchema = z.object({
  dataset: z.string(),
  /** ResolveWindow's result. */
  run: datasetWindowSchema,
  /** StartJourney's result (`duplicate`: the window was already completed). */
  journey: journeyStartResultSchema,
  /** CommitSilver's result. */
  silver: silverSummarySchema.optional(),
  /** MergeGold's result. */
  gold: goldSummarySchema.optional(),
  /** CompleteJourney's result. */
  completed: journeyTaskResultSchema.optional(),
});

/** What a succeeded execution of the pipeline ends with. */
export type PipelineOutput = z.infer<typeof pipelineOutputSchema>;
