import type { HeadObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { CopyObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { datasetForKey } from "../dataset/registry";
import type { DatasetSpec } from "../dataset/spec";
import { getLedgerEntry } from "../ledger/ledger";
import { normaliseEtag } from "./keys";
import { copySource, io, isS3Status } from "./s3";
import { landingSubscriptions } from "./subscription";

/** Object metadata counting how often the sweeper re-drove an object. */
export const REDRIVES_METADATA = "medallion-redrives";

/** Options of {@link sweepLanding}. */
export interface SweepOptions {
  s3: S3Client;
  doc: DynamoDBDocumentClient;
  landingBucket: string;
  ledgerTable: string;
  datasets: readonly DatasetSpec[];
  /**
   * How old an object must be before it counts as lost: longer than S3 → Lambda can still
   * be delivering it (the event's maximum age, plus every attempt's timeout).
   */
  graceSeconds: number;
  /** Re-drives of one object before the sweeper leaves it to a person (default 3). */
  maxRedrives?: number;
  /** The sweep's time (default now). */
  now?: Date;
}

/** What one sweep found and did, by landing key. */
export interface SweepResult {
  /** Objects listed under the datasets' prefixes. */
  scanned: number;
  /** Younger than the grace period: their events may still be on their way. */
  inFlight: number;
  /** In the ledger already (ingested; their archive move is the ingest function's to redo). */
  ingested: number;
  /** Lost, and re-driven: copied onto themselves, so S3 notifies the ingest function again. */
  redriven: string[];
  /** Lost again after `maxRedrives` re-drives: left in landing for a person to look at. */
  abandoned: string[];
  /** Objects that could not be checked or re-driven (`<key>: <why>`); the next sweep tries again. */
  errors: string[];
}

/**
 * Finds landing objects whose ingestion was lost (S3 → Lambda gave up, or an event was never
 * delivered) and re-drives them through the normal path: each object under a dataset's
 * prefix, older than the grace period and with no ledger entry, is copied onto itself with a
 * re-drive count in its metadata. The copy (same bytes, so the same ETag and ledger id)
 * raises a new ObjectCreated event. The copy is conditional on the object being unchanged,
 * and an object re-driven `maxRedrives` times is reported instead of re-driven forever.
 * @param options see {@link SweepOptions}
 * @example await sweepLanding({ s3, doc, landingBucket, ledgerTable, datasets, graceSeconds: 5400 });
 */
export async function sweepLanding({
  s3,
  doc,
  landingBucket,
  ledgerTable,
  datasets,
  graceSeconds,
  maxRedrives = 3,
  now = new Date(),
}: SweepOptions): Promise<SweepResult> {
  const result: SweepResult = { scanned: 0, inFlight: 0, ingested: 0, redriven: [], abandoned: [], errors: [] };
  const cutoff = now.getTime() - graceSeconds * 1000;
  for (const prefix of landingSubscriptions(datasets)) {
    let ContinuationToken: string | undefined;
    do {
      const page = await io(`listing s3://${landingBucket}/${prefix}`, () =>
        s3.send(new ListObjectsV2Command({ Bucket: landingBucket, Prefix: prefix, ContinuationToken })),
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key!;
        const spec = datasetForKey(datasets, key);
        if (!spec) continue;
        result.scanned++;
        if ((object.LastModified?.getTime() ?? now.getTime()) > cutoff) {
          result.inFlight++;
          continue;
        }
        const etag = normaliseEtag(object.ETag ?? "");
        // One object's failure (a throttled read, an object too large to copy in one request)
        // does not stop the sweep of the others.
        try {
          const entry = await getLedgerEntry(doc, ledgerTable, spec.name, `${key}#${etag}`);
          if (entry) {
            result.ingested++;
            continue;
          }
          const outcome = await redrive(s3, landingBucket, key, etag, maxRedrives);
          if (outcome === "redriven") result.redriven.push(key);
          else if (outcome === "abandoned") result.abandoned.push(key);
        } catch (error) {
          result.errors.push(`${key}: ${(error as Error).message}`);
        }
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }
  return result;
}

async function redrive(
  s3: S3Client,
  bucket: string,
  key: string,
  etag: string,
  maxRedrives: number,
): Promise<"redriven" | "abandoned" | "gone"> {
  let head: HeadObjectCommandOutput;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    // Ingested and archived between the listing and now.
    if (isS3Status(error, 404, "NotFound", "NoSuchKey")) return "gone";
    throw error;
  }
  const redrives = Number(head.Metadata?.[REDRIVES_METADATA] ?? 0);
  if (redrives >= maxRedrives) return "abandoned";
  try {
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: key,
        CopySource: copySource(bucket, key),
        CopySourceIfMatch: `"${etag}"`,
        MetadataDirective: "REPLACE",
        ...(head.ContentType ? { ContentType: head.ContentType } : {}),
        Metadata: { ...head.Metadata, [REDRIVES_METADATA]: String(redrives + 1) },
      }),
    );
  } catch (error) {
    if (isS3Status(error, 404, "NoSuchKey", "NotFound") || isS3Status(error, 412, "PreconditionFailed")) return "gone";
    throw error;
  }
  return "redriven";
}
