import { metricNames } from "@medallion/core/metrics";
import type { Fetch, PullResult } from "@medallion/core/pull";
import { pullSource } from "@medallion/core/pull";
import type { HttpApiSource } from "@medallion/core/sources";
import { shippedSources } from "@medallion/core/sources";
import * as z from "zod";
import { clients } from "./shared/clients";
import { linked, linkedResource } from "./shared/config";
import type { LambdaHandler } from "./shared/handler";
import { lambdaHandler } from "./shared/handler";
import { logger, metrics, publishMetric } from "./shared/observability";

// Scheduled pull of one HTTP API source into landing (hourly: [watermark, now); daily at
// 02:00 UTC: D-1). Pages written to landing are ingested by the normal ObjectCreated path.

const pullEvent = z.object({
  /** Source name, a key of the registry. */
  source: z.string().min(1),
  window: z.enum(["hourly", "daily"]).default("hourly"),
  /** The trigger time, for replays (default: now). */
  time: z.iso.datetime({ offset: true }).optional(),
});

/** The source name is not in the registry this handler was built with. */
export class UnknownSourceError extends Error {
  override name = "UnknownSourceError";
}

/** What the pull handler needs besides the event: the sources it may pull and how it reads their secrets. */
export interface PullHandlerOptions {
  sources: Record<string, HttpApiSource>;
  /** The value of a named secret (default: the linked SST Secret's `value`). */
  secret?: (name: string) => string;
  fetch?: Fetch;
}

/**
 * Builds the pull handler over a set of sources (the shipped registry in production;
 * tests and the local stack pass their own).
 * @param options see {@link PullHandlerOptions}
 */
export function pullHandler({ sources, secret = linkedSecret, fetch }: PullHandlerOptions): LambdaHandler<PullResult> {
  return lambdaHandler(pullEvent, async (event, context) => {
    const source = sources[event.source];
    if (!source)
      throw new UnknownSourceError(
        `unknown source ${JSON.stringify(event.source)}; known: ${Object.keys(sources).join(", ") || "(none)"}`,
      );
    logger.appendKeys({ source: source.name, window: event.window });
    const result = await pullSource({
      source,
      s3: clients.s3,
      doc: clients.doc,
      watermarkTable: linked("Watermark"),
      landingBucket: linked("Landing"),
      ...(source.auth ? { secret: secret(source.auth.secret) } : {}),
      ...(fetch ? { fetch } : {}),
      now: event.time ? new Date(event.time) : new Date(),
      mode: event.window,
      // Stop requesting pages well before Lambda's timeout: a clean stop reports what was
      // done; a killed run is safe too (the watermark only moves per complete window) but silent.
      stopAt: new Date(
        Date.now() + Math.max(context.getRemainingTimeInMillis() * 0.75, context.getRemainingTimeInMillis() - 60_000),
      ),
      onPage: (page) => logger.debug("page written", { key: page.key, records: page.records }),
    });
    const { windows, ...summary } = result;
    logger.info("pulled", { ...summary, windows: windows.length });
    if (result.capped)
      logger.warn("stopped early; the remaining windows wait for the next run", {
        reason: result.stopReason,
        watermark: result.watermarkAfter,
      });
    metrics.addDimension("source", source.name);
    publishMetric(metricNames.PagesPulled, result.pages);
    publishMetric(metricNames.RecordsPulled, result.records);
    return result;
  });
}

/** The scheduled handler, over the shipped sources. */
export const handler = pullHandler({ sources: shippedSources });

// An `sst.Secret` linked to the function is `Resource.<Name>.value` (SST_RESOURCE_<Name>
// locally): no SDK call, and the value never passes through configuration files.
function linkedSecret(name: string): string {
  return linkedResource<{ value: string }>(name, "value").value;
}
