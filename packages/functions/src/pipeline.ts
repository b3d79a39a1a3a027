import { resolveWindow } from "@medallion/core/pipeline";
import type { PipelineWindow } from "@medallion/core/pipeline";
import { z } from "zod";
import { lambdaHandler } from "./shared/handler";
import { logger } from "./shared/observability";

const windowEvent = z.object({
  dataset: z.string().min(1),
  window: z.union([z.literal("hourly"), z.literal("daily"), z.object({ from: z.string().min(1), to: z.string().min(1) })]).default("hourly"),
  /** When the run was triggered: the schedule's time (EventBridge `time`) or the execution's start. */
  at: z.string().min(1),
});

/** `{ dataset, window, at }` → the run's window and idempotency key (first state of the pipeline). */
export const window = lambdaHandler(windowEvent, async ({ dataset, window, at }): Promise<PipelineWindow & { dataset: string }> => {
  const resolved = resolveWindow(dataset, window, new Date(at));
  logger.info("pipeline window", { dataset, ...resolved });
  return { dataset, ...resolved };
});
