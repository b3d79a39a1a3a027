import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { ConvertResult } from "../bronze/convert";
import { convertToBronze } from "../bronze/convert";
import { UnparseableFileError } from "../bronze/errors";
import { datasetForKey } from "../dataset/registry";
import type { DatasetSpec } from "../dataset/spec";
import type { LedgerEntry } from "../ledger/ledger";
import { getLedgerEntry, recordableDays, recordIngested } from "../ledger/ledger";
import type { ArchiveOutcome } from "./archive";
import { archiveLandingObject, isArchiveKey } from "./archive";
import { type IngestError, IngestIoError } from "./errors";
import type { IngestKeys } from "./keys";
import { assertSafeLandingKey, ingestDate, ingestKeys, ledgerFileId, normaliseEtag } from "./keys";
import { RejectedFile } from "./quarantine";
import type { NewerVersion } from "./replace";
import { partitionDaySource, supersede } from "./replace";
import { copySource, io, isS3Status, uploadFile } from "./s3";
import type { IngestContext, IngestResult, IngestSource } from "./types";

const UNKNOWN_DATASET = "_unknown";

// The landing object being ingested, as every step names it.
interface Landing {
  source: IngestSource;
  /** The ETag, normalised. */
  etag: string;
  /** `<key>#<etag>`, the ledger's `file_id`. */
  fileId: string;
  /** The spec whose landing prefix starts the key, if any. */
  spec: DatasetSpec | undefined;
  /** The dataset's name, or `_unknown`: the ledger and quarantine still file it somewhere. */
  dataset: string;
  /** `performance.now()` when ingestion started. */
  started: number;
}

// What an outcome says about the file; the counts, keys and bytes it leaves out are zero or none.
type Outcome = Pick<IngestResult, "status"> &
  Partial<Omit<IngestResult, "status" | "dataset" | "source" | "fileId" | "durationMs">>;

/**
 * Ingests one landing object: JSON → bronze Parquet, rejected records → quarantine NDJSON,
 * a file that cannot be read → quarantine whole, then the ledger entry (written last, so
 * an entry means every object it names exists), then the landing object is moved to
 * `_done/<key>` (records in bronze) or `_failed/<key>` (nothing in bronze, with its reason).
 * Safe to repeat: a file already in the ledger returns `duplicate`, writes nothing new, and
 * is archived again if it landed again; keys under `_done/` and `_failed/` are never ingested.
 * @param source the landing object (bucket, key, ETag from the S3 event)
 * @param ctx clients, bucket and table names, datasets
 * @example const result = await ingestObject({ bucket, key, etag }, { s3, doc, ledgerTable, bronzeBucket, quarantineBucket, datasets: [carTelemetry] });
 */
export async function ingestObject(source: IngestSource, ctx: IngestContext): Promise<IngestResult> {
  const started = performance.now();
  const etag = normaliseEtag(source.etag);
  const spec = datasetForKey(ctx.datasets, source.key);
  const dataset = spec?.name ?? UNKNOWN_DATASET;
  const landing: Landing = { source, etag, fileId: ledgerFileId(source.key, etag), spec, dataset, started };

  if (isArchiveKey(source.key)) {
    return resultOf(landing, {
      status: "duplicate",
      reason: "an archived landing object (under _done/ or _failed/): its content was ingested before it was archived",
    });
  }

  const existing = await io(`reading the ledger for ${landing.fileId}`, () =>
    getLedgerEntry(ctx.doc, ctx.ledgerTable, dataset, landing.fileId),
  );
  if (existing) {
    // A redelivered event finishes what a crash interrupted; a retired version stays retired.
    if (!existing.retired_by)
      await replaceOlder(ctx, landing, { entry: existing, hasRows: existing.records_bronze > 0 });
    // The same bytes landed again (or the event was redelivered): archive them again, if still there.
    const archived = await archive(ctx, landing, existing.records_bronze > 0 ? "done" : "failed", existing.reason);
    return resultOf(landing, {
      status: "duplicate",
      recordsIn: existing.records_in,
      recordsBronze: existing.records_bronze,
      recordsQuarantined: existing.records_quarantined,
      bronzeKey: existing.bronze_key,
      quarantineKeys: existing.quarantine_keys,
      reason: existing.reason,
      ...archived,
    });
  }

  const refusal = refusalOf(landing);
  if (refusal !== undefined) {
    const head = await io(`reading ${source.key}`, () =>
      ctx.s3.send(new HeadObjectCommand({ Bucket: source.bucket, Key: source.key, VersionId: source.versionId })),
    );
    const keys = keysOf(landing, head.LastModified);
    return quarantineWhole(ctx, landing, keys, { suffix: "rejected", reason: refusal, bytesIn: head.ContentLength });
  }

  // The key may have been overwritten since this event: then the newer object's own event
  // ingests it, and this one must not name the new bytes after the old ETag.
  const stale = () =>
    resultOf(landing, {
      status: "duplicate",
      reason: `the object changed since the event (its ETag is no longer ${etag}); nothing ingested`,
    });
  let object: GetObjectCommandOutput;
  try {
    object = await ctx.s3.send(
      new GetObjectCommand({
        Bucket: source.bucket,
        Key: source.key,
        VersionId: source.versionId,
        IfMatch: source.versionId ? undefined : `"${etag}"`,
      }),
    );
  } catch (error) {
    if (isS3Status(error, 412, "PreconditionFailed")) return stale();
    throw new IngestIoError(`reading ${source.key} failed: ${(error as Error).message}`, { cause: error });
  }
  // Not every S3 implementation honours If-Match (s3rver ignores it): compare as well.
  if (!source.versionId && object.ETag && normaliseEtag(object.ETag) !== etag) {
    destroyBody(object);
    return stale();
  }
  const keys = keysOf(landing, object.LastModified);
  const stage = join(ctx.tmpDir ?? tmpdir(), `medallion-ingest-${randomUUID()}`);
  const rejectedFile = new RejectedFile(`${stage}.rejected.ndjson`);
  try {
    let converted: ConvertResult;
    try {
      converted = await convertToBronze(object.Body as AsyncIterable<Uint8Array>, {
        spec: spec!,
        sourceKey: source.key,
        parquetPath: `${stage}.parquet`,
        days: partitionDaySource(spec!),
        onProgress: ctx.onProgress,
        onRejected: ({ index, line, reason, raw }) =>
          rejectedFile.add({ source_key: source.key, etag, line, index, reason, raw }),
      });
    } catch (error) {
      if (!(error instanceof UnparseableFileError)) throw error;
      destroyBody(object);
      return await quarantineWhole(ctx, landing, keys, {
        suffix: "unparseable",
        reason: error.message,
        bytesIn: object.ContentLength,
      });
    }

    const quarantineKeys: string[] = [];
    const rejectedPath = rejectedFile.close();
    if (rejectedPath) {
      await uploadFile(ctx.s3, {
        bucket: ctx.quarantineBucket,
        key: keys.rejected,
        path: rejectedPath,
        contentType: "application/x-ndjson",
      });
      quarantineKeys.push(keys.rejected);
    }
    let bronzeKey: string | undefined;
    let bronze: BronzeObject | undefined;
    if (converted.parquetPath) {
      const bronzeEtag = await uploadFile(ctx.s3, {
        bucket: ctx.bronzeBucket,
        key: keys.bronze,
        path: converted.parquetPath,
        contentType: "application/vnd.apache.parquet",
      });
      bronzeKey = keys.bronze;
      // Recorded when the conversion tallied the days (the dataset has silver), they fit in the
      // entry, and S3 gave the object's ETag, which ties them to its bytes.
      const days = recordableDays(converted.partitionDays);
      if (days && converted.rowsWithoutTimestamp !== undefined && bronzeEtag)
        bronze = {
          bronze_etag: normaliseEtag(bronzeEtag),
          bronze_rows: converted.recordsBronze,
          bronze_rows_without_timestamp: converted.rowsWithoutTimestamp,
          partition_days: days,
        };
    }
    const status = bronzeKey ? "bronze" : "quarantined";
    const reason = bronzeKey ? undefined : "no valid record in the file";
    const counts: [number, number, number] = [converted.recordsIn, converted.recordsBronze, converted.recordsRejected];
    const coerced = Object.keys(converted.coerced).length ? converted.coerced : undefined;
    await ledger(ctx, landing, { status, counts, quarantineKeys, bronzeKey, reason, coerced, bronze });
    await replaceOlder(ctx, landing, { days: bronze?.partition_days, hasRows: bronzeKey !== undefined });
    const archived = await archive(ctx, landing, bronzeKey ? "done" : "failed", reason);
    return resultOf(landing, {
      status,
      recordsIn: converted.recordsIn,
      recordsBronze: converted.recordsBronze,
      recordsQuarantined: converted.recordsRejected,
      coerced,
      bronzeKey,
      quarantineKeys,
      bytesIn: converted.bytesIn,
      reason,
      ...archived,
    });
  } finally {
    await rejectedFile.discard();
    await rm(`${stage}.parquet`, { force: true });
  }
}

// The one place a result is built.
function resultOf(landing: Landing, { status, ...said }: Outcome): IngestResult {
  return {
    dataset: landing.spec ? landing.spec.name : null,
    source: landing.source,
    fileId: landing.fileId,
    status,
    recordsIn: 0,
    recordsBronze: 0,
    recordsQuarantined: 0,
    quarantineKeys: [],
    bytesIn: 0,
    ...said,
    durationMs: Math.round(performance.now() - landing.started),
  };
}

// Why a file is refused before it is read (no dataset, or a key that cannot be named safely), if it is.
function refusalOf({ spec, source }: Landing): string | undefined {
  if (!spec) return `no dataset's landing prefix matches key ${JSON.stringify(source.key)}`;
  try {
    assertSafeLandingKey(source.key);
  } catch (error) {
    return (error as IngestError).message;
  }
  return undefined;
}

// The ingest date is the object's LastModified, so a repeated event yields the same keys.
function keysOf({ dataset, source, etag }: Landing, lastModified: Date | undefined): IngestKeys {
  return ingestKeys({ dataset, key: source.key, etag, date: ingestDate(lastModified ?? new Date()) });
}

function destroyBody(object: GetObjectCommandOutput): void {
  (object.Body as { destroy?: () => void } | undefined)?.destroy?.();
}

// Moves the landing object to `_done/` or `_failed/`; gives the archive key when this call moved it.
async function archive(
  ctx: IngestContext,
  { source, fileId }: Landing,
  outcome: ArchiveOutcome,
  reason: string | undefined,
): Promise<{ archiveKey?: string }> {
  const archived = await archiveLandingObject({ s3: ctx.s3, source, outcome, reason, fileId });
  return archived.archived ? { archiveKey: archived.archiveKey } : {};
}

// A file that cannot be ingested at all (refused, or unparseable): the object whole to
// quarantine with its reason, then the ledger entry, then the object to `_failed/`.
async function quarantineWhole(
  ctx: IngestContext,
  landing: Landing,
  keys: IngestKeys,
  { suffix, reason, bytesIn = 0 }: { suffix: "unparseable" | "rejected"; reason: string; bytesIn: number | undefined },
): Promise<IngestResult> {
  const quarantineKeys = await copyToQuarantine(ctx, landing, keys, suffix, reason);
  await ledger(ctx, landing, { status: "quarantined", counts: [0, 0, 0], quarantineKeys, reason });
  if (landing.spec) await replaceOlder(ctx, landing, { hasRows: false });
  const archived = await archive(ctx, landing, "failed", reason);
  return resultOf(landing, { status: "quarantined", quarantineKeys, bytesIn, reason, ...archived });
}

// Copies the landing object into quarantine unchanged (server-side), with a sibling reason document.
async function copyToQuarantine(
  ctx: IngestContext,
  { source, etag }: Landing,
  keys: IngestKeys,
  suffix: "unparseable" | "rejected",
  reason: string,
): Promise<string[]> {
  const { file, reason: reasonKey } = keys.wholeFile(suffix);
  await io(`copying ${source.key} to quarantine`, () =>
    ctx.s3.send(
      new CopyObjectCommand({
        Bucket: ctx.quarantineBucket,
        Key: file,
        CopySource: copySource(source.bucket, source.key, source.versionId),
      }),
    ),
  );
  const document = {
    source_bucket: source.bucket,
    source_key: source.key,
    etag,
    version_id: source.versionId ?? null,
    reason,
    quarantined_at: new Date().toISOString(),
  };
  await io(`writing ${reasonKey}`, () =>
    ctx.s3.send(
      new PutObjectCommand({
        Bucket: ctx.quarantineBucket,
        Key: reasonKey,
        Body: JSON.stringify(document, null, 2),
        ContentType: "application/json",
      }),
    ),
  );
  return [file, reasonKey];
}

// What the ledger entry says beyond the file it is about.
interface LedgerWrite {
  status: "bronze" | "quarantined";
  /** records in, bronze, quarantined */
  counts: [number, number, number];
  quarantineKeys: string[];
  bronzeKey?: string;
  reason?: string;
  /** Values taken as their JSON text, per field path. */
  coerced?: Record<string, number>;
  /** What silver plans from, of the bronze object written. */
  bronze?: BronzeObject;
}

// What the ledger records of a bronze object for silver's plan, so the plan need not read it.
type BronzeObject = Pick<
  LedgerEntry,
  "bronze_etag" | "bronze_rows" | "bronze_rows_without_timestamp" | "partition_days"
>;

async function ledger(
  ctx: IngestContext,
  { dataset, fileId, source, etag }: Landing,
  { status, counts, quarantineKeys, bronzeKey, reason, coerced, bronze }: LedgerWrite,
): Promise<void> {
  const [recordsIn, recordsBronze, recordsQuarantined] = counts;
  const entry: LedgerEntry = {
    dataset,
    file_id: fileId,
    source_key: source.key,
    etag,
    status,
    records_in: recordsIn,
    records_bronze: recordsBronze,
    records_quarantined: recordsQuarantined,
    quarantine_keys: quarantineKeys,
    ingested_at: new Date().toISOString(),
  };
  if (bronzeKey) entry.bronze_key = bronzeKey;
  if (reason) entry.reason = reason;
  if (coerced) entry.coerced = coerced;
  if (bronze) Object.assign(entry, bronze);
  // Only files with bronze rows wait for silver: the sparse index lists exactly those.
  if (recordsBronze > 0) entry.pending_dataset = dataset;
  await io(`recording ${fileId} in the ledger`, () => recordIngested(ctx.doc, ctx.ledgerTable, entry));
}

// A newer version of a landing key supersedes the older ones (see supersede).
function replaceOlder(
  ctx: IngestContext,
  { dataset, spec, fileId, source, etag }: Landing,
  version: Pick<NewerVersion, "days" | "entry" | "hasRows">,
): Promise<void> {
  return supersede(ctx, { dataset, spec, fileId, key: source.key, etag, ...version });
}
