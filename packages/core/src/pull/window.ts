import { SourceSpecError } from "../sources/errors";
import type { WindowFormat, WindowParams } from "../sources/spec";

/** One window of a pull: `[from, to)`, ISO-8601 UTC. */
export interface SourceWindow {
  from: string;
  to: string;
}

/** Which windows a run pulls: `hourly` catches up from the watermark, `daily` re-pulls D-1. */
export type PullMode = "hourly" | "daily";

const SIZE_MS = { hour: 3_600_000, day: 86_400_000 } as const;
const DAY_MS = SIZE_MS.day;

/**
 * The windows one run pulls, oldest first, each one `size` long and on a size boundary.
 * `hourly`: from the watermark to the last boundary before `now` (only complete windows,
 * so a window's content does not change between a failed attempt and its retry). `daily`:
 * the whole previous UTC day (D-1), to pick up late records; windows of D-1 keep the same
 * bounds, hence the same landing keys, as the hourly runs gave them.
 * @param options.watermark where the previous run stopped (ISO-8601)
 * @param options.now the run's trigger time
 * @param options.size the source's window size
 * @param options.mode hourly or daily
 * @example pullWindows({ watermark: "2024-05-01T10:00:00Z", now: new Date("2024-05-01T12:05:00Z"), size: "hour", mode: "hourly" })
 *   // [{ from: "2024-05-01T10:00:00.000Z", to: "2024-05-01T11:00:00.000Z" }, { from: "2024-05-01T11:00:00.000Z", to: "2024-05-01T12:00:00.000Z" }]
 */
export function pullWindows({
  watermark,
  now,
  size,
  mode,
}: {
  watermark: string;
  now: Date;
  size: WindowParams["size"];
  mode: PullMode;
}): SourceWindow[] {
  const step = SIZE_MS[size];
  let from: number;
  let to: number;
  if (mode === "daily") {
    to = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
    from = to - DAY_MS;
  } else {
    from = parseInstant(watermark, "watermark");
    if (from % step !== 0) throw new SourceSpecError(`watermark ${watermark} is not on a ${size} boundary`);
    to = Math.floor(now.getTime() / step) * step;
  }
  const windows: SourceWindow[] = [];
  for (let start = from; start + step <= to; start += step) {
    windows.push({ from: new Date(start).toISOString(), to: new Date(start + step).toISOString() });
  }
  return windows;
}

/**
 * A window's folder name in landing: `20240501T1000Z_20240501T1100Z` (sortable, no `:`).
 * @param window the window
 */
export function windowName(window: SourceWindow): string {
  const compact = (iso: string) => iso.replace(/[-:]/g, "").replace(/\d\d\.\d{3}Z$/, "Z");
  return `${compact(window.from)}_${compact(window.to)}`;
}

/**
 * A window bound as the API expects it in the query string.
 * @param iso the bound, ISO-8601
 * @param format the source's window format
 */
export function formatBound(iso: string, format: WindowFormat): string {
  const at = parseInstant(iso, "window bound");
  switch (format) {
    case "iso":
      return new Date(at).toISOString().replace(/\.000Z$/, "Z");
    case "date":
      return new Date(at).toISOString().slice(0, 10);
    case "epochSeconds":
      return String(Math.floor(at / 1000));
    case "epochMillis":
      return String(at);
  }
}

function parseInstant(iso: string, what: string): number {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) throw new SourceSpecError(`${what} ${JSON.stringify(iso)} is not an ISO-8601 date`);
  return at;
}
