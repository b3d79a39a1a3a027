import type { WindowRequest } from "./window";

/**
 * When the lake's scheduled work runs, in 5-field cron form (minute hour day-of-month month
 * day-of-week, UTC): hourly a few minutes past the hour (late uploads of the hour are in),
 * daily at 02:00 for D-1. The one source for EventBridge on AWS ({@link eventBridgeCron}) and
 * the embedded stack's cron (croner reads this form as is).
 */
export const schedules = {
  hourly: "5 * * * *",
  daily: "0 2 * * *",
} as const;

/** A scheduled pipeline run: when it fires and which window it asks for. */
export interface PipelineSchedule {
  name: keyof typeof schedules;
  cron: string;
  window: WindowRequest;
}

/** The pipeline's schedules: the last hour, every hour; D-1, every day. */
export const pipelineSchedules: PipelineSchedule[] = [
  { name: "hourly", cron: schedules.hourly, window: "hourly" },
  { name: "daily", cron: schedules.daily, window: "daily" },
];

/**
 * The EventBridge form of a 5-field cron: `cron(m h dom mon dow year)`, with `?` in one of
 * day-of-month and day-of-week. Numeric weekdays are refused: EventBridge counts Sunday as
 * 1, cron as 0, so only names (MON-FRI) mean the same in both.
 * @param cron a 5-field cron expression
 * @example eventBridgeCron("0 2 * * *") // "cron(0 2 * * ? *)"
 */
export function eventBridgeCron(cron: string): `cron(${string})` {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected a 5-field cron expression, got "${cron}"`);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string];
  if (/\d/.test(dayOfWeek))
    throw new Error(`"${cron}": use weekday names (MON-FRI), not numbers, which differ between EventBridge and cron`);
  const [dom, dow] = dayOfWeek === "*" ? [dayOfMonth, "?"] : ["?", dayOfWeek];
  return `cron(${minute} ${hour} ${dom} ${month} ${dow} *)`;
}
