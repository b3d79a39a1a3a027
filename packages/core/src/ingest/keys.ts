import { createHash } from "node:crypto";
import { dynamodb, utf8Bytes } from "../limits/index";
import { UnsafeKeyError } from "./errors";

// Control characters, backslashes and `.`/`..` segments could escape a prefix or confuse tools.
const UNSAFE_KEY = /[\u0000-\u001f\u007f\\]/;

/**
 * Checks that a landing key can be named in bronze and quarantine without escaping the
 * dataset's prefix; throws {@link UnsafeKeyError} naming the problem otherwise.
 * @param key landing object key
 */
export function assertSafeLandingKey(key: string): void {
  if (UNSAFE_KEY.test(key))
    throw new UnsafeKeyError(
      `unsafe landing key ${JSON.stringify(key)}: it contains a control character or a backslash`,
    );
  if (key.split("/").some((segment) => segment === "." || segment === "..")) {
    throw new UnsafeKeyError(`unsafe landing key ${JSON.stringify(key)}: it has a '.' or '..' path segment`);
  }
}

/**
 * The S3 ETag without quotes, reduced to characters safe in an object name
 * (multipart ETags keep their `-<parts>` suffix).
 * @param etag ETag as S3 reports it, quoted or not
 */
export function normaliseEtag(etag: string): string {
  return etag.replace(/[^A-Za-z0-9-]/g, "");
}

/**
 * The landing file's base name, without a JSON extension, sanitised to `[A-Za-z0-9._-]`
 * (other characters become `_`, leading dots are dropped) and at most 100 characters.
 * @param key landing object key
 * @example objectBaseName("car_telemetry/2024/Day 1.ndjson") // "Day_1"
 */
export function objectBaseName(key: string): string {
  const base = key.slice(key.lastIndexOf("/") + 1).replace(/\.(json|ndjson|jsonl)$/i, "");
  const clean = base
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._]+/, "")
    .slice(0, 100);
  return clean || "file";
}

/**
 * `YYYY-MM-DD` (UTC) of a date: the landing object's LastModified, so a repeated event
 * for the same object yields the same keys.
 */
export function ingestDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Keys of the objects one landing file produces. */
export interface IngestKeys {
  /** `<dataset>/ingest_date=<date>/<name>-<etag>.parquet` in the bronze bucket. */
  bronze: string;
  /** Rejected records as NDJSON, in the quarantine bucket. */
  rejected: string;
  /** The whole file, when it could not be ingested; `.reason.json` is its sibling. */
  wholeFile: (suffix: "unparseable" | "rejected") => { file: string; reason: string };
}

/**
 * Derives the bronze and quarantine keys of a landing file.
 * @param options.dataset dataset name, or `_unknown`
 * @param options.key landing key
 * @param options.etag normalised ETag
 * @param options.date ingest date `YYYY-MM-DD`
 */
export function ingestKeys({
  dataset,
  key,
  etag,
  date,
}: {
  dataset: string;
  key: string;
  etag: string;
  date: string;
}): IngestKeys {
  const stem = `${dataset}/ingest_date=${date}/${objectBaseName(key)}-${etag}`;
  return {
    bronze: `${stem}.parquet`,
    rejected: `${stem}.rejected.ndjson`,
    wholeFile: (suffix) => ({ file: `${stem}.${suffix}`, reason: `${stem}.${suffix}.reason.json` }),
  };
}

/**
 * The ledger's id of a landing file (its sort key): `<landing key>#<etag>`, or, when that
 * passes DynamoDB's 1,024-byte sort-key limit (S3 keys may be 1,024 bytes themselves), the
 * key's start, `~`, a SHA-256 of the whole key, then `#<etag>`. The entry keeps the key whole
 * in `source_key`.
 * @param key landing object key
 * @param etag normalised ETag
 * @example ledgerFileId("car_telemetry/a.json", "abc") // "car_telemetry/a.json#abc"
 */
export function ledgerFileId(key: string, etag: string): string {
  const whole = `${key}#${etag}`;
  if (utf8Bytes(whole) <= dynamodb.maxSortKeyBytes) return whole;
  const tail = `~${createHash("sha256").update(key).digest("hex")}#${etag}`;
  let budget = dynamodb.maxSortKeyBytes - utf8Bytes(tail);
  let head = "";
  for (const character of key) {
    budget -= utf8Bytes(character);
    if (budget < 0) break;
    head += character;
  }
  return `${head}${tail}`;
}
