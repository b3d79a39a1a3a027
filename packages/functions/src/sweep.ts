import type { SweepResult } from "@medallion/core/ingest";
import { sweepLanding } from "@medallion/core/ingest";
import { metricNames } from "@medallion/core/metrics";
import * as z from "zod";
import { clients } from "./shared/clients";
import { linked } from "./shared/config";
import { datasets } from "./shared/datasets";
import { lambdaHandler } from "./shared/handler";
import { logger, publishMetric } from "./shared/observability";

// The scheduled sweeper: landing objects whose ingestion was lost (S3 → Lambda gave up after
// its retries, or never delivered) are re-driven through the normal S3 notification.

/** The schedule's event: the grace period, derived by infra from the ingest function's delivery. */
const sweepEvent = z.looseObject({ graceSeconds: z.number().int().nonnegative() });

/** `{ graceSeconds }` → lost landing objects re-driven; abandoned ones logged as errors. */
export const handler = lambdaHandler(sweepEvent, async ({ graceSeconds }): Promise<SweepResult> => {
  const result = await sweepLanding({
    s3: clients.s3,
    doc: clients.doc,
    landingBucket: linked("Landing"),
    ledgerTable: linked("Ledger"),
    datasets: Object.values(datasets()),
    graceSeconds,
  });
  logger.info("landing swept", { ...result });
  if (result.abandoned.length > 0)
    logger.error("landing objects still not ingested after every re-drive", { keys: result.abandoned });
  if (result.errors.length > 0)
    logger.error("landing objects the sweep could not check or re-drive", { errors: result.errors });
  publishMetric(metricNames.LandingRedriven, result.redriven.length);
  publishMetric(metricNames.LandingAbandoned, result.abandoned.length);
  return result;
});
