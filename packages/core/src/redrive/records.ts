import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { convertToBronze } from "../bronze/convert";
import { UnparseableFileError } from "../bronze/errors";
import type { DatasetSpec } from "../dataset/spec";
import type { RejectedEntry } from "../ingest/quarantine";
import { io, uploadFile } from "../ingest/s3";
import type { LedgerEntry } from "../ledger/ledger";
import { commitRedrive } from "../ledger/ledger";

/** Where a file's rejected records are kept: `<stem>.rejected.ndjson` (and `<stem>.redrive-<n>.rejected.ndjson`). */
const REJECTED_SUFFIX = ".rejected.ndjson";

/** Clients and names a redrive needs, passed in. */
export interface RedriveContext {
  s3: S3Client;
  doc: DynamoDBDocumentClient;
  ledgerTable: string;
  bronzeBucket: string;
  quarantineBucket: string;
  /** The landing bucket, whose `_failed/` copy of a file that now reaches bronze moves to `_done/`. */
  landingBucket: string;
  /** Where the Parquet part is staged (default `os.tmpdir()`). */
  tmpDir?: string;
}

/** What redriving one file's quarantined records did. */
export interface RecordsRedrive {
  fileId: string;
  /** Records tried again. */
  tried: number;
  /** Records that now pass, in bronze as a new part. */
  recovered: number;
  /** Records still failing, kept in quarantine with their current reason. */
  stillFailing: number;
  /** The part's bronze key, when records were recovered. */
  bronzeKey?: string;
}

/** Where a recovered record came from: the original landing file, its line and index. */
export interface RecordLineage {
  source_key: string;
  etag: string;
  line: number;
  index: number;
}

/**
 * The key of a file's rejected-records object, if it has one (a file quarantined whole has none).
 * @param entry the file's ledger entry
 */
export function rejectedKeyOf(entry: Pick<LedgerEntry, "quarantine_keys">): string | undefined {
  return entry.quarantine_keys.find((key) => key.endsWith(REJECTED_SUFFIX));
}

/**
 * Tries one file's quarantined records again under `spec`. Records that now pass become a new
 * bronze part (`<stem>.redrive-<n>.parquet`, with `<stem>.redrive-<n>.lineage.ndjson` beside the
 * still-failing records in quarantine naming each record's original line and index) with its own
 * ledger entry, pending for silver; the original's counts move from quarantined to bronze in one
 * conditional write, so its conservation (in = bronze + quarantined) holds. Still-failing records
 * keep their newest reason. Repeating it changes nothing: the records it recovered are no longer
 * in the file's quarantine, and the others fail again alike.
 * @param entry the original file's ledger entry
 * @param spec the dataset's current spec
 * @param ctx clients and names
 * @example await redriveRecords(entry, carTelemetry, { s3, doc, ledgerTable, bronzeBucket, quarantineBucket });
 */
export async function redriveRecords(
  entry: LedgerEntry,
  spec: DatasetSpec,
  ctx: RedriveContext,
): Promise<RecordsRedrive> {
  const rejectedKey = rejectedKeyOf(entry);
  const fileId = entry.file_id;
  if (!rejectedKey || entry.records_quarantined === 0) return { fileId, tried: 0, recovered: 0, stillFailing: 0 };
  const rejected = await readRejected(ctx, rejectedKey);
  // A record over the size limit was kept as a preview, and a record that is not JSON stays as
  // it was: only whole JSON values are tried again.
  const parsable = rejected.filter((record) => isJson(record.raw));
  const failing = new Map<number, string>(rejected.filter((r) => !isJson(r.raw)).map((r) => [r.index, r.reason]));
  const stage = join(ctx.tmpDir ?? tmpdir(), `medallion-redrive-${randomUUID()}.parquet`);
  try {
    let parquetPath: string | undefined;
    try {
      const converted = await convertToBronze(chunks(envelope(parsable, spec.records)), {
        spec,
        sourceKey: entry.source_key,
        parquetPath: stage,
        onRejected: ({ index, reason }) => failing.set(parsable[index]!.index, reason),
      });
      parquetPath = converted.parquetPath;
    } catch (error) {
      if (!(error instanceof UnparseableFileError)) throw error;
      for (const record of parsable) failing.set(record.index, record.reason);
    }
    const recovered = rejected.filter((record) => !failing.has(record.index));
    const kept = rejected.filter((record) => failing.has(record.index));
    const still = kept.map((record) => ({ ...record, reason: failing.get(record.index)! }));
    if (!recovered.length || !parquetPath) {
      // Nothing recovered: the records stay, with their newest reason (unchanged when the spec is).
      if (kept.some((record) => record.reason !== failing.get(record.index)))
        await put(ctx, ctx.quarantineBucket, rejectedKey, ndjson(still), "application/x-ndjson");
      return { fileId, tried: rejected.length, recovered: 0, stillFailing: still.length };
    }

    const count = entry.redrive_count ?? 0;
    const stem = `${rejectedKey.slice(0, -REJECTED_SUFFIX.length).replace(/\.redrive-\d+$/, "")}.redrive-${count + 1}`;
    const bronzeKey = `${stem}.parquet`;
    const lineage: RecordLineage[] = recovered.map(({ source_key, etag, line, index }) => ({
      source_key,
      etag,
      line,
      index,
    }));
    await uploadFile(ctx.s3, {
      bucket: ctx.bronzeBucket,
      key: bronzeKey,
      path: parquetPath,
      contentType: "application/vnd.apache.parquet",
    });
    await put(ctx, ctx.quarantineBucket, `${stem}.lineage.ndjson`, ndjson(lineage), "application/x-ndjson");
    const stillKey = `${stem}${REJECTED_SUFFIX}`;
    if (still.length) await put(ctx, ctx.quarantineBucket, stillKey, ndjson(still), "application/x-ndjson");
    const part: LedgerEntry = {
      dataset: entry.dataset,
      file_id: `${fileId}#redrive-${count + 1}`,
      source_key: entry.source_key,
      etag: entry.etag,
      bronze_key: bronzeKey,
      status: "bronze",
      records_in: 0,
      records_bronze: 0,
      records_quarantined: 0,
      quarantine_keys: [`${stem}.lineage.ndjson`],
      ingested_at: new Date().toISOString(),
      pending_dataset: entry.dataset,
      redrive_of: fileId,
      records_redriven: recovered.length,
    };
    const quarantineKeys = entry.quarantine_keys.filter((key) => key !== rejectedKey);
    if (still.length) quarantineKeys.push(stillKey);
    const committed = await io(`recording the redrive of ${fileId} in the ledger`, () =>
      commitRedrive(ctx.doc, ctx.ledgerTable, entry, {
        expectedCount: count,
        recovered: recovered.length,
        quarantineKeys,
        part,
        status: entry.status === "quarantined" ? "bronze" : entry.status,
      }),
    );
    if (!committed) return { fileId, tried: 0, recovered: 0, stillFailing: entry.records_quarantined };
    // The superseded rejected records are now in bronze or in the new object: readers of the
    // quarantine must not see them twice. (A crash just before leaves them; the ledger is right.)
    await io(`removing ${rejectedKey}`, () =>
      ctx.s3.send(new DeleteObjectCommand({ Bucket: ctx.quarantineBucket, Key: rejectedKey })),
    );
    return { fileId, tried: rejected.length, recovered: recovered.length, stillFailing: still.length, bronzeKey };
  } finally {
    await rm(stage, { force: true });
  }
}

async function readRejected(ctx: RedriveContext, key: string): Promise<RejectedEntry[]> {
  const text = await io(`reading ${key}`, async () => {
    const object = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.quarantineBucket, Key: key }));
    return object.Body!.transformToString("utf8");
  });
  return text
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as RejectedEntry);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// The records as one JSON document the converter splits as the landing file was: an array,
// inside the spec's `records` envelope when it has one. The raw text is kept (exact numbers).
function envelope(records: RejectedEntry[], path: string | undefined): string {
  let document = `[\n${records.map((record) => record.raw).join(",\n")}\n]`;
  for (const key of (path?.split(".") ?? []).reverse()) document = `{${JSON.stringify(key)}:${document}}`;
  return document;
}

async function* chunks(text: string): AsyncIterable<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let offset = 0; offset < bytes.length; offset += 1 << 20) yield bytes.subarray(offset, offset + (1 << 20));
}

function ndjson(values: object[]): string {
  return values.map((value) => `${JSON.stringify(value)}\n`).join("");
}

async function put(ctx: RedriveContext, bucket: string, key: string, body: string, contentType: string) {
  await io(`writing ${key}`, () =>
    ctx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType })),
  );
}
