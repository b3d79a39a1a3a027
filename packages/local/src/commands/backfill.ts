import { dailyWindows, WindowError } from "@medallion/core/schedule";
import type { LocalStack } from "../stack";
import { DEFAULT_DATASET, datasetNamed } from "./datasets";
import type { ErrorJson } from "./errors";
import { UsageError } from "./errors";
import type { PipelineSummary } from "./execution";
import { summarisePipeline } from "./execution";
import type { CommandContext } from "./index";
import { withStack } from "./lake";

/** One day of a backfill. */
export interface BackfillDay {
  from: string;
  to: string;
  pipeline: PipelineSummary;
}

/** What `medallion backfill` did: the document `--json` prints. */
export interface BackfillSummary {
  dataset: string;
  from: string;
  to: string;
  days: BackfillDay[];
  /** Set when a day failed (exit code 1). */
  error: ErrorJson | null;
}

/** `medallion backfill`: checks the range, then executes the pipeline once per day. */
export async function execute(context: CommandContext): Promise<number> {
  const { values, out } = context;
  const { from, to } = values;
  if (!from || !to) throw new UsageError("medallion backfill needs --from <YYYY-MM-DD> and --to <YYYY-MM-DD>");
  const dataset = datasetNamed(values.dataset ?? DEFAULT_DATASET).name;
  for (const [flag, day] of [
    ["--from", from],
    ["--to", to],
  ] as const)
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`)))
      throw new UsageError(`${flag} ${day}: expected a date YYYY-MM-DD`);
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}: nothing to backfill`);
  let windows: { from: string; to: string }[];
  try {
    windows = dailyWindows(from, to);
  } catch (error) {
    if (error instanceof WindowError) throw new UsageError(error.message);
    throw error;
  }
  return withStack(context, "backfill", async (stack) => {
    const days = await runBackfill({ stack, dataset, windows, progress: out.note });
    const failed = days.filter((day) => day.pipeline.status === "FAILED");
    const summary: BackfillSummary = {
      dataset,
      from,
      to,
      days,
      error: failed.length
        ? {
            name: "BackfillDaysFailed",
            message: `${failed.length} day(s) failed, first ${failed[0]!.from.slice(0, 10)}: ${failed[0]!.pipeline.error?.message}`,
          }
        : null,
    };
    if (context.json) out.json(summary);
    else
      out.print(
        `medallion backfill: ${dataset}, ${days.length} day(s): ${days.length - failed.length} succeeded, ${failed.length} failed`,
      );
    return failed.length ? 1 : 0;
  });
}

/**
 * One pipeline execution per day, in order. A day already completed is a no-op (its journey);
 * a failed day is reported and the next ones still run, so one bad day does not hold the
 * others back.
 * @param options stack, dataset, the days' windows, progress
 */
export async function runBackfill({
  stack,
  dataset,
  windows,
  progress,
}: {
  stack: LocalStack;
  dataset: string;
  windows: { from: string; to: string }[];
  progress?: (line: string) => void;
}): Promise<BackfillDay[]> {
  const days: BackfillDay[] = [];
  for (const [index, window] of windows.entries()) {
    const outcome = await stack.execute({ dataset, window, at: window.to });
    const pipeline = summarisePipeline(outcome, { dataset, window, at: window.to });
    days.push({ ...window, pipeline });
    const what =
      pipeline.status !== "SUCCEEDED"
        ? `FAILED at ${pipeline.error?.step}: ${pipeline.error?.message}`
        : pipeline.alreadyCompleted
          ? "already completed"
          : pipeline.silver
            ? `${pipeline.silver.partitionsRewritten} partition(s) rewritten`
            : "nothing pending";
    progress?.(`[${index + 1}/${windows.length}] ${window.from.slice(0, 10)}: ${pipeline.status} (${what})`);
  }
  return days;
}
