/**
 * The time window a pipeline run is for. The window names the run: its idempotency key
 * is `<dataset>#<from>/<to>`, so a window already completed is a no-op and one in progress
 * is refused (journey control), whoever starts it (cron, backfill, a person).
 */

import * as z from "zod";

/** How a run's window is asked for. */
export type WindowRequest = "hourly" | "daily" | { from: string; to: string };

/** A resolved window: `[from, to)`, ISO-8601 UTC, with the run's idempotency key. */
export const pipelineWindowSchema = z.object({
  kind: z.enum(["hourly", "daily", "explicit"]),
  from: z.string(),
  to: z.string(),
  idempotencyKey: z.string(),
});

/** A resolved window. */
export type PipelineWindow = z.infer<typeof pipelineWindowSchema>;

/** The window of one dataset's run: what the pipeline's window task returns. */
export const datasetWindowSchema = pipelineWindowSchema.extend({ dataset: z.string() });

/** The window of one dataset's run. */
export type DatasetWindow = z.infer<typeof datasetWindowSchema>;

/** A window that cannot be resolved. */
export class WindowError extends Error {
  override name = "WindowError";
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Resolves a window request at a moment: `hourly` = the last full hour, `daily` = the
 * previous UTC day (D-1), explicit = as given (`from < to`, ISO dates or timestamps).
 * @param dataset the dataset the run is for
 * @param request the requested window
 * @param at when the run was triggered (the schedule's time, not the start of a retry)
 * @example resolveWindow("car_telemetry", "daily", new Date("2024-05-02T02:00:00Z"))
 *   // { kind: "daily", from: "2024-05-01T00:00:00.000Z", to: "2024-05-02T00:00:00.000Z", idempotencyKey: "car_telemetry#2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z" }
 */
export function resolveWindow(dataset: string, request: WindowRequest, at: Date): PipelineWindow {
  if (Number.isNaN(at.getTime())) throw new WindowError(`invalid trigger time: ${String(at)}`);
  let kind: PipelineWindow["kind"];
  let from: Date;
  let to: Date;
  if (request === "hourly") {
    kind = "hourly";
    to = new Date(Math.floor(at.getTime() / HOUR) * HOUR);
    from = new Date(to.getTime() - HOUR);
  } else if (request === "daily") {
    kind = "daily";
    to = new Date(Math.floor(at.getTime() / DAY) * DAY);
    from = new Date(to.getTime() - DAY);
  } else {
    kind = "explicit";
    from = new Date(request.from);
    to = new Date(request.to);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
      throw new WindowError(`invalid window: from=${request.from} to=${request.to} (ISO-8601 expected)`);
    if (from >= to) throw new WindowError(`empty window: from=${request.from} is not before to=${request.to}`);
  }
  const window = { from: from.toISOString(), to: to.toISOString() };
  return { kind, ...window, idempotencyKey: `${dataset}#${window.from}/${window.to}` };
}

/**
 * The daily windows covering `[from, to]` (both dates inclusive), for backfills: one run per day.
 * @param from first day, `YYYY-MM-DD`
 * @param to last day, `YYYY-MM-DD`
 */
export function dailyWindows(from: string, to: string): { from: string; to: string }[] {
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
    throw new WindowError(`invalid dates: ${from} .. ${to} (YYYY-MM-DD expected)`);
  if (start > end) throw new WindowError(`--from ${from} is after --to ${to}`);
  const windows: { from: string; to: string }[] = [];
  for (let day = start.getTime(); day <= end.getTime(); day += DAY) {
    windows.push({ from: new Date(day).toISOString(), to: new Date(day + DAY).toISOString() });
  }
  return windows;
}
