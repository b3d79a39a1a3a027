import type { JSONObject } from "@aws-lambda-powertools/commons/types";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { IngestResult, IngestSource } from "@medallion/core/ingest";
import {
  archiveLandingObject,
  ingestObject,
  ingestResultSchema,
  isArchiveKey,
  normaliseEtag,
} from "@medallion/core/ingest";
import { metricNames } from "@medallion/core/metrics";
import { middyHandler } from "./shared/chain";
import { clients } from "./shared/clients";
import { linked } from "./shared/config";
import { datasets } from "./shared/datasets";
import { logger, publishMetric } from "./shared/observability";
import { s3EventSchema } from "./shared/s3-event";

// S3 delivers notifications at least once: the same landing object (bucket, key, ETag,
// version) is ingested once, and a repeat returns the first result without touching S3.
// A repeat is reported as such ("duplicate"), with the first run's keys and counts.
const idempotency = new IdempotencyConfig({
  expiresAfterSeconds: 7 * 24 * 3600,
  responseHook: (response) => ({ ...(response as JSONObject), status: "duplicate" }),
});
const ingestOnce = makeIdempotent(
  async (source: IngestSource): Promise<IngestResult> => {
    const result = await ingestObject(source, {
      s3: clients.s3,
      doc: clients.doc,
      ledgerTable: linked("Ledger"),
      bronzeBucket: linked("Bronze"),
      quarantineBucket: linked("Quarantine"),
      datasets: Object.values(datasets()),
    });
    // Stored as the idempotent response: plain JSON, no undefined fields.
    return ingestResultSchema.parse(JSON.parse(JSON.stringify(result)));
  },
  {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: linked("Idempotency"),
      awsSdkV3Client: clients.dynamo,
    }),
    config: idempotency,
  },
);

/**
 * S3 ObjectCreated on the landing bucket → bronze Parquet + quarantine + ledger entry, then
 * the landing object moved to `_done/` or `_failed/`. Objects created under those prefixes
 * (the archive copies themselves) are skipped: they are not in the returned results.
 */
// No tracer: the X-Ray SDK would be a third of this bundle (test/bench/bundles/NOTES.md).
export const handler = middyHandler(s3EventSchema, async (event, context) => {
  idempotency.registerLambdaContext(context);
  const results: IngestResult[] = [];
  for (const record of event.Records) {
    const { bucket, object } = record.s3;
    const source: IngestSource = {
      bucket: bucket.name,
      // Notification keys are URL-encoded, with spaces as '+'.
      key: decodeURIComponent(object.key.replace(/\+/g, " ")),
      etag: normaliseEtag(object.eTag ?? ""),
      ...(object.versionId ? { versionId: object.versionId } : {}),
    };
    if (isArchiveKey(source.key)) {
      logger.debug("skipped an archive copy", { key: source.key });
      continue;
    }
    const result = await ingestOnce(source);
    // A repeat answered from the idempotency store did not run ingestion, so the same
    // bytes landing again would stay in landing: move them now (a no-op once they are gone).
    if (result.status === "duplicate") {
      const moved = await archiveLandingObject({
        s3: clients.s3,
        source,
        outcome: result.bronzeKey ? "done" : "failed",
        reason: result.reason,
        fileId: result.fileId,
      });
      if (moved.archived)
        logger.info("archived a landing file that arrived again", { key: source.key, archiveKey: moved.archiveKey });
    }
    logger.info("ingested", { ...result });
    // A repeat ingested nothing: counting it again would break the dashboard's conservation law.
    if (result.status !== "duplicate") {
      const dataset = result.dataset ?? undefined;
      publishMetric(metricNames.FilesIngested, 1, dataset);
      publishMetric(metricNames.RecordsIn, result.recordsIn, dataset);
      publishMetric(metricNames.RecordsBronze, result.recordsBronze, dataset);
      publishMetric(metricNames.RecordsQuarantined, result.recordsQuarantined, dataset);
      publishMetric(metricNames.IngestDuration, result.durationMs, dataset);
      if (result.status === "quarantined") publishMetric(metricNames.FilesQuarantined, 1, dataset);
    }
    results.push(result);
  }
  return { results };
});
