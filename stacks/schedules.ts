import type { WindowRequest } from "../packages/core/src/pipeline/window";

/** A pipeline schedule: when it fires (5-field cron, UTC) and which window it asks for. */
export interface PipelineSchedule {
  name: "hourly" | "daily";
  /** Minute hour day-of-month month day-of-week, UTC (croner's and crontab's form). */
  cron: string;
  window: WindowRequest;
}

/**
 * The pipeline's schedules, one source for EventBridge on AWS and the embedded stack's cron:
 * every hour (a few minutes past, so late uploads of the hour are in), and daily at 02:00 UTC
 * for D-1 reprocessing.
 */
export const pipelineSchedules: PipelineSchedule[] = [
  { name: "hourly", cron: "5 * * * *", window: "hourly" },
  { name: "daily", cron: "0 2 * * *", window: "daily" },
];

/**
 * The EventBridge form of a 5-field cron: `cron(m h dom mon dow year)`, where one of
 * day-of-month and day-of-week must be `?`.
 * @param cron a 5-field cron expression
 * @example eventBridgeCron("0 2 * * *") // "cron(0 2 * * ? *)"
 */
export function eventBridgeCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected a 5-field cron expression, got "${cron}"`);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string];
  const [dom, dow] = dayOfWeek === "*" ? [dayOfMonth, "?"] : ["?", dayOfWeek];
  return `cron(${minute} ${hour} ${dom} ${month} ${dow} *)`;
}
