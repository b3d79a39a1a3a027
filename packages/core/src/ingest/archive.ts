import type { HeadObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { s3 as s3Limits, utf8Bytes } from "../limits/index";
import { ArchiveVerificationError, IngestIoError } from "./errors";
import { assertSafeLandingKey, normaliseEtag } from "./keys";
import { copySource, io, isS3Status } from "./s3";
import type { IngestSource } from "./types";

/** Where a landing object goes once ingested: `_done/` (some or all records in bronze) or `_failed/` (nothing in bronze). */
export type ArchiveOutcome = "done" | "failed";

/** The landing bucket's archive prefixes. Objects under them are never ingested. */
export const ARCHIVE_PREFIXES: Readonly<Record<ArchiveOutcome, string>> = { done: "_done/", failed: "_failed/" };

// S3 user metadata travels as HTTP headers: printable ASCII only, 2 KB for all of it.
const METADATA_REASON_CHARS = 1024;

/**
 * Whether a landing key is an archive copy (under `_done/` or `_failed/`).
 * @param key landing object key
 */
export function isArchiveKey(key: string): boolean {
  return key.startsWith(ARCHIVE_PREFIXES.done) || key.startsWith(ARCHIVE_PREFIXES.failed);
}

/**
 * The archive key of a landing key: the original key under the outcome's prefix.
 * @example archiveKeyOf("car_telemetry/a.json", "done") // "_done/car_telemetry/a.json"
 */
export function archiveKeyOf(key: string, outcome: ArchiveOutcome): string {
  return `${ARCHIVE_PREFIXES[outcome]}${key}`;
}

/**
 * The name an older version's archive copy keeps when the same landing key is archived again
 * with other bytes: `<archive key>.v-<its etag>`.
 * @example versionedArchiveKey("_done/car_telemetry/a.json", "abc") // "_done/car_telemetry/a.json.v-abc"
 */
export function versionedArchiveKey(archiveKey: string, etag: string): string {
  return `${archiveKey}.v-${etag}`;
}

/** Options of {@link archiveLandingObject}. */
export interface ArchiveOptions {
  s3: S3Client;
  /** The landing object; only the object with this ETag (or version) is moved. */
  source: IngestSource;
  outcome: ArchiveOutcome;
  /** Why nothing reached bronze (`failed`): object metadata and a sibling `.reason.json`. */
  reason?: string;
  /** The ledger's `file_id`, recorded with a failed file's reason. */
  fileId: string;
  /**
   * The archive the object sits in now, when it is moved on from there (a file in `_failed/`
   * that a redrive took to bronze goes to `_done/`): its copy there, with its reason, is what
   * moves, when the copy is still of this ETag.
   */
  from?: ArchiveOutcome;
}

/** What {@link archiveLandingObject} did. */
export interface ArchiveResult {
  /** True when the original was copied, verified and removed. */
  archived: boolean;
  /** Key of the archive copy in the landing bucket (written when `archived`). */
  archiveKey: string;
  /** Sibling `.reason.json` of a failed file. */
  reasonKey?: string;
  /**
   * Why nothing was moved: the object is gone (archived already), was replaced since, or
   * has an unsafe key (its archive key would carry the same hazard, so it stays put).
   */
  skipped?: "gone" | "changed" | "unsafe";
}

/**
 * Moves an ingested landing object to `_done/<key>` or `_failed/<key>` in the same bucket:
 * copies it server-side (CopyObject, on condition that it still has its ETag or version),
 * writes a failed file's reason next to it, checks the copy against the original (its ETag,
 * or its size when the original was a multipart upload), and only then deletes the original
 * (conditionally on its ETag or version), so nothing is deleted before its bytes are safely
 * elsewhere. Safe to repeat: an object that
 * is gone, or was replaced by newer bytes, is left alone.
 * @param options see {@link ArchiveOptions}
 * @throws ArchiveVerificationError when the copy does not match (the original is kept)
 * @throws IngestIoError when S3 fails; retrying the event redoes the move
 * @example await archiveLandingObject({ s3, source, outcome: "done", fileId });
 */
export async function archiveLandingObject({
  s3,
  source,
  outcome,
  reason,
  fileId,
  from,
}: ArchiveOptions): Promise<ArchiveResult> {
  const etag = normaliseEtag(source.etag);
  const archiveKey = archiveKeyOf(source.key, outcome);
  // An archive copy is a plain object: it is matched by the source ETag it records, not by its own.
  const fromKey = from ? archiveKeyOf(source.key, from) : source.key;
  const version = source.versionId && !from ? { VersionId: source.versionId } : {};
  try {
    assertSafeLandingKey(source.key);
  } catch {
    return { archived: false, archiveKey, skipped: "unsafe" };
  }
  const unchanged = source.versionId || from ? {} : { IfMatch: `"${etag}"` };
  let head: HeadObjectCommandOutput;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: source.bucket, Key: fromKey, ...version, ...unchanged }));
  } catch (error) {
    if (isS3Status(error, 404, "NoSuchKey", "NotFound")) return { archived: false, archiveKey, skipped: "gone" };
    if (isS3Status(error, 412, "PreconditionFailed")) return { archived: false, archiveKey, skipped: "changed" };
    throw new IngestIoError(`archiving ${source.key}: reading it failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // s3rver ignores If-Match on HEAD: compare as well, so newer bytes under the key are never moved.
  const heldEtag = from ? head.Metadata?.["medallion-source-etag"] : head.ETag && normaliseEtag(head.ETag);
  if ((from || !source.versionId) && heldEtag && heldEtag !== etag)
    return { archived: false, archiveKey, skipped: "changed" };
  // The copy and the delete act only on the bytes just checked (an archive copy: its own ETag).
  const held = from && head.ETag ? { etag: head.ETag } : source.versionId ? undefined : { etag: `"${etag}"` };
  await keepOlderVersion(s3, source.bucket, archiveKey, etag);
  const size = head.ContentLength ?? 0;
  const metadata: Record<string, string> = { "medallion-outcome": outcome, "medallion-source-etag": etag };
  if (reason) metadata["medallion-reason"] = asciiHeader(reason);
  // A server-side copy: the bytes never pass through this function (nor, locally, through HTTP).
  let copiedEtag: string;
  try {
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: source.bucket,
        Key: archiveKey,
        CopySource: copySource(source.bucket, fromKey, from ? undefined : source.versionId),
        ...(held ? { CopySourceIfMatch: held.etag } : {}),
        MetadataDirective: "REPLACE",
        ContentType: head.ContentType,
        Metadata: metadata,
      }),
    );
    copiedEtag = normaliseEtag(copy.CopyObjectResult?.ETag ?? "");
  } catch (error) {
    if (isS3Status(error, 404, "NoSuchKey", "NotFound")) return { archived: false, archiveKey, skipped: "gone" };
    if (isS3Status(error, 412, "PreconditionFailed")) return { archived: false, archiveKey, skipped: "changed" };
    throw new IngestIoError(`archiving ${source.key} to ${archiveKey} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }

  let reasonKey: string | undefined;
  if (outcome === "failed") {
    reasonKey = `${archiveKey}.reason.json`;
    const document = {
      source_key: source.key,
      etag,
      version_id: source.versionId ?? null,
      file_id: fileId,
      reason: reason ?? null,
      archived_at: new Date().toISOString(),
    };
    await io(`writing ${reasonKey}`, () =>
      s3.send(
        new PutObjectCommand({
          Bucket: source.bucket,
          Key: reasonKey,
          Body: JSON.stringify(document, null, 2),
          ContentType: "application/json",
        }),
      ),
    );
  }

  // A single-part ETag is the MD5 of the bytes: the copy's, as CopyObject reports it, must
  // equal the original's. A multipart ETag is not, so then the stored size is checked instead.
  if (!etag.includes("-")) {
    if (copiedEtag !== etag)
      throw new ArchiveVerificationError(
        `archive copy ${archiveKey} does not match ${source.key} (ETag ${copiedEtag} vs ${etag}); the original is kept`,
      );
  } else {
    const copy = await io(`checking ${archiveKey}`, () =>
      s3.send(new HeadObjectCommand({ Bucket: source.bucket, Key: archiveKey })),
    );
    if (copy.ContentLength !== size) {
      throw new ArchiveVerificationError(
        `archive copy ${archiveKey} does not match ${source.key} (size ${copy.ContentLength} vs ${size}); the original is kept`,
      );
    }
  }

  try {
    await s3.send(
      new DeleteObjectCommand({
        Bucket: source.bucket,
        Key: fromKey,
        ...version,
        ...(held ? { IfMatch: held.etag } : {}),
      }),
    );
    if (from === "failed")
      await s3.send(new DeleteObjectCommand({ Bucket: source.bucket, Key: `${fromKey}.reason.json` }));
  } catch (error) {
    // Replaced since the copy: the newer object is not ours to delete; its own event ingests it.
    if (isS3Status(error, 412, "PreconditionFailed")) return { archived: true, archiveKey, reasonKey };
    if (isS3Status(error, 404, "NoSuchKey", "NotFound")) return { archived: true, archiveKey, reasonKey };
    throw new IngestIoError(
      `archiving ${source.key}: deleting the original failed (the copy ${archiveKey} is kept): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { archived: true, archiveKey, reasonKey };
}

// A landing key uploaded again with new content is a new version of the file: the archive copy
// of the older version is moved aside to its versioned name rather than overwritten (kept
// where that name would pass S3's key limit; then the newer copy replaces it, as before).
async function keepOlderVersion(s3: S3Client, bucket: string, archiveKey: string, etag: string): Promise<void> {
  let older: HeadObjectCommandOutput;
  try {
    older = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: archiveKey }));
  } catch (error) {
    if (isS3Status(error, 404, "NoSuchKey", "NotFound")) return;
    throw new IngestIoError(`reading ${archiveKey} failed: ${(error as Error).message}`, { cause: error });
  }
  const olderEtag = older.Metadata?.["medallion-source-etag"];
  const versioned = olderEtag && versionedArchiveKey(archiveKey, olderEtag);
  if (!versioned || olderEtag === etag || utf8Bytes(versioned) > s3Limits.maxKeyBytes) return;
  await io(`keeping the older version of ${archiveKey} as ${versioned}`, () =>
    s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: versioned,
        CopySource: copySource(bucket, archiveKey),
        MetadataDirective: "COPY",
      }),
    ),
  );
}

function asciiHeader(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, METADATA_REASON_CHARS);
}
