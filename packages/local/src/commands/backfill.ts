import { dailyWindows } from "@medallion/core/schedule";
import type { LocalStack } from "../stack";
import type { PipelineSummary } from "./run";
import { summarisePipeline } from "./run";

/** One day of a backfill. */
export interface BackfillDay {
  from: string;
  to: string;
  pipeline: PipelineSummary;
}

/**
 * `medallion backfill`: one pipeline execution per day of `[from, to]`, in order. A day
 * already completed is a no-op (its journey); a failed day is reported and the next ones
 * still run, so one bad day does not hold the others back.
 * @param options stack, dataset, first and last day (`YYYY-MM-DD`), progress
 */
export async function runBackfill({
  stack,
  dataset,
  from,
  to,
  progress,
}: {
  stack: LocalStack;
  dataset: string;
  from: string;
  to: string;
  progress?: (line: string) => void;
}): Promise<BackfillDay[]> {
  const windows = dailyWindows(from, to);
  const days: BackfillDay[] = [];
  for (const [index, window] of windows.entries()) {
    const outcome = await stack.execute({ dataset, window, at: window.to });
    const pipeline = summarisePipeline(outcome);
    days.push({ ...window, pipeline });
    const what =
      pipeline.status !== "SUCCEEDED"
        ? `FAILED: ${pipeline.error?.Cause}`
        : pipeline.alreadyCompleted
          ? "already completed"
          : pipeline.silver
            ? `${pipeline.silver.partitionsRewritten} partition(s) rewritten`
            : "nothing pending";
    progress?.(`[${index + 1}/${windows.length}] ${window.from.slice(0, 10)}: ${pipeline.status} (${what})`);
  }
  return days;
}
