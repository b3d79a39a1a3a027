import { metricNames } from "@medallion/core/metrics";
import type { RedriveSummary } from "@medallion/core/redrive";
import { RedriveRequestError, redriveDataset } from "@medallion/core/redrive";
import * as z from "zod";
import { clients } from "./shared/clients";
import { linked } from "./shared/config";
import { datasets, specOf } from "./shared/datasets";
import { lambdaHandler } from "./shared/handler";
import { logger, publishMetric } from "./shared/observability";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `medallion redrive`'s event (or the console's): the dataset and, optionally, ingest days. */
export const redriveEvent = z.object({
  dataset: z.string().min(1),
  from: z.string().regex(DAY).optional(),
  to: z.string().regex(DAY).optional(),
});

/** `{ dataset, from?, to? }` → the dataset's quarantined records tried again under the current spec. */
export const handler = lambdaHandler(redriveEvent, async ({ dataset, from, to }): Promise<RedriveSummary> => {
  const spec = specOf(datasets(), dataset, (message) => new RedriveRequestError(message));
  const summary = await redriveDataset(
    { spec, from, to, onFile: (file) => logger.info("file redriven", { ...file }) },
    {
      s3: clients.s3,
      doc: clients.doc,
      ledgerTable: linked("Ledger"),
      bronzeBucket: linked("Bronze"),
      quarantineBucket: linked("Quarantine"),
      landingBucket: linked("Landing"),
    },
  );
  logger.info("redrive done", { dataset, records: summary.records, failedFiles: summary.failedFiles });
  publishMetric(metricNames.RecordsRedriven, summary.records.recovered, dataset);
  publishMetric(metricNames.FilesRedriven, summary.failedFiles.recovered, dataset);
  publishMetric(metricNames.SetAsideRedriven, summary.setAside.length, dataset);
  return summary;
});
