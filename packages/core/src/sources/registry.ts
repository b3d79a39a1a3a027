import type { HttpApiSource } from "./spec";

export { exampleSource } from "./example";

/**
 * The HTTP API sources this project pulls, by name: the pull handler, the schedules in
 * `infra/sources.ts` and the local stack's cron all read this. Empty by default: add a
 * source here (e.g. `[exampleSource.name]: exampleSource` once its URL is real) to have
 * it pulled hourly and re-pulled for D-1 at 02:00 UTC.
 */
export const shippedSources: Record<string, HttpApiSource> = {};
