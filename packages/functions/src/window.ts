import type { DatasetWindow } from "@medallion/core/schedule";
import { resolveWindow } from "@medallion/core/schedule";
import type { SilverRebuild } from "@medallion/core/silver";
import { silverRebuildSchema } from "@medallion/core/silver";
import * as z from "zod";
import { lambdaHandler } from "./shared/handler";
import { logger } from "./shared/observability";

const windowEvent = z.object({
  /** The execution's input. */
  input: z.object({
    dataset: z.string().min(1),
    window: z
      .union([z.literal("hourly"), z.literal("daily"), z.object({ from: z.string().min(1), to: z.string().min(1) })])
      .default("hourly"),
    /** When the run was triggered: the schedule's time (EventBridge `time`); default the execution's start. */
    at: z.string().min(1).optional(),
    /** A rebuild (`medallion rebuild`): its id names the run, so a rerun resumes it. */
    rebuild: silverRebuildSchema.optional(),
  }),
  startedAt: z.string().min(1),
});

/** The run's window, and the rebuild it is (null for a normal run). */
export type RunWindow = DatasetWindow & { rebuild: SilverRebuild | null };

/** `{ input: { dataset, window?, at?, rebuild? }, startedAt }` → the run's window and idempotency key (first state of the pipeline). */
export const resolve = lambdaHandler(
  windowEvent,
  async ({ input: { dataset, window, at, rebuild }, startedAt }): Promise<RunWindow> => {
    const resolved = resolveWindow(dataset, window, new Date(at ?? startedAt));
    logger.info("pipeline window", { dataset, ...resolved, rebuild });
    if (!rebuild) return { dataset, ...resolved, rebuild: null };
    return { dataset, ...resolved, idempotencyKey: `${dataset}#rebuild#${rebuild.id}`, rebuild };
  },
);
