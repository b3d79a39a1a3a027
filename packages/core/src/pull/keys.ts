import type { HttpApiSource } from "../sources/spec";
import type { SourceWindow } from "./window";
import { windowName } from "./window";

/**
 * The landing key of one pulled page: `<landingPrefix>_api/<source>/<window>/page-0001.json`.
 * The same window and page always give the same key, so a retried window overwrites its
 * pages instead of adding new ones.
 * @param source the source spec
 * @param window the page's window
 * @param page 1-based page number within the window
 * @example pageKey(source, { from: "2024-05-01T10:00:00.000Z", to: "2024-05-01T11:00:00.000Z" }, 1)
 *   // "car_telemetry/_api/fleet-api/20240501T1000Z_20240501T1100Z/page-0001.json"
 */
export function pageKey(source: HttpApiSource, window: SourceWindow, page: number): string {
  return `${source.dataset.landingPrefix}_api/${source.name}/${windowName(window)}/page-${String(page).padStart(4, "0")}.json`;
}
