import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { IngestIoError } from "./errors";

/**
 * True when an S3 call failed with this HTTP status or one of these error names (the SDK
 * and s3rver do not always agree on which one they set).
 * @param error what the SDK threw
 * @param status HTTP status, e.g. 412
 * @param names error names or codes, e.g. "PreconditionFailed"
 */
export function isS3Status(error: unknown, status: number, ...names: string[]): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.$metadata?.httpStatusCode === status || names.includes(e?.name ?? "") || names.includes(e?.Code ?? "");
}

/**
 * The `CopySource` of an object, as S3 takes it: the bucket, then the key URL-encoded segment
 * by segment, and its version if one is named.
 * @example copySource("landing", "car_telemetry/a b.json") // "landing/car_telemetry/a%20b.json"
 */
export function copySource(bucket: string, key: string, versionId?: string): string {
  const path = `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
  return versionId ? `${path}?versionId=${encodeURIComponent(versionId)}` : path;
}

/**
 * Runs one S3/DynamoDB step of ingestion; a failure becomes an {@link IngestIoError} saying
 * what was being done (the event is then retried).
 * @param what e.g. "reading car_telemetry/a.json"
 */
export async function io<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw new IngestIoError(`${what} failed: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Uploads a local file (a bronze Parquet, a rejected-records file) as one streamed PUT: S3
 * needs its length up front, so it is read from the file, never from a buffer.
 * @returns the object's ETag, as S3 reports it
 * @throws IngestIoError naming the key when the PUT fails
 */
export async function uploadFile(
  s3: S3Client,
  { bucket, key, path, contentType }: { bucket: string; key: string; path: string; contentType: string },
): Promise<string | undefined> {
  const { size } = await stat(path);
  const put = await io(`uploading ${key}`, () =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(path),
        ContentLength: size,
        ContentType: contentType,
      }),
    ),
  );
  return put.ETag;
}
