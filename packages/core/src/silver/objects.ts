import type { GetObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import type { AsyncBuffer } from "hyparquet";

/** An S3 object's key, size and last change (and its ETag, from {@link objectInfo}). */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified?: Date;
  etag?: string;
}

/**
 * Every object under a prefix (all pages).
 * @param s3 S3 client
 * @param bucket bucket name
 * @param prefix key prefix
 */
export async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<ObjectInfo[]> {
  const objects: ObjectInfo[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const o of page.Contents ?? [])
      if (o.Key) objects.push({ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified });
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return objects;
}

/**
 * Deletes objects by key, 1000 per request; deleting what is already gone succeeds.
 * @param s3 S3 client
 * @param bucket bucket name
 * @param keys keys to delete
 */
export async function deleteObjects(s3: S3Client, bucket: string, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
    );
    const failed = result.Errors ?? [];
    if (failed.length)
      throw new Error(
        `could not delete ${failed.length} objects from s3://${bucket}/, first ${failed[0]?.Key}: ${failed[0]?.Message}`,
      );
  }
}

/**
 * Reads a whole object.
 * @param s3 S3 client
 * @param bucket bucket name
 * @param key object key
 */
export async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!object.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  return object.Body.transformToByteArray();
}

/**
 * Parsed JSON objects kept between calls in one process (a Lambda container, the local stack):
 * a plan is read by each of its statements' states (a five-year backfill: 16 silver queries, each
 * parsing the whole plan). A read asks S3 for the object only if its ETag changed (a 304 costs no
 * body and no parse), so an overwritten key is read again. The value returned is shared: callers
 * must not change it.
 */
export class ParsedObjectCache<T> {
  readonly #entries = new Map<string, { etag: string; value: T }>();

  /**
   * @param parse turns the object's JSON into the value kept
   * @param capacity objects kept, the least recently read dropped first
   */
  constructor(
    private readonly parse: (json: unknown) => T,
    private readonly capacity = 8,
  ) {}

  /**
   * The object's parsed value, read and parsed only when not kept or changed.
   * @param s3 S3 client
   * @param bucket bucket name
   * @param key object key
   */
  async get(s3: S3Client, bucket: string, key: string): Promise<T> {
    const name = `${bucket}/${key}`;
    const kept = this.#entries.get(name);
    let object: GetObjectCommandOutput;
    try {
      object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfNoneMatch: kept?.etag }));
    } catch (error) {
      if (kept && (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 304) {
        this.#entries.delete(name);
        this.#entries.set(name, kept);
        return kept.value;
      }
      throw error;
    }
    if (!object.Body) throw new Error(`s3://${bucket}/${key} has no body`);
    const value = this.parse(JSON.parse(await object.Body.transformToString()));
    this.#entries.delete(name);
    if (object.ETag) this.#entries.set(name, { etag: object.ETag, value });
    while (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as string);
    return value;
  }
}

/**
 * Writes an object.
 * @param s3 S3 client
 * @param bucket bucket name
 * @param key object key
 * @param body content
 */
export async function putObject(s3: S3Client, bucket: string, key: string, body: Uint8Array | string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Splits `s3://bucket/key` into its parts. @param uri S3 URI */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an S3 URI: ${uri}`);
  return { bucket: match[1]!, key: match[2]! };
}

/** Data files are what readers read: Hive and Athena skip names starting with `_` or `.`. @param key object key */
export const isDataFile = (key: string): boolean => !/^[_.]/.test(key.slice(key.lastIndexOf("/") + 1));

/** Requests to S3 at once where many small objects are read or written (footers, markers). */
export const S3_CONCURRENCY = 16;

/** Bytes read from a Parquet object's end to find its footer: a few KB, so one ranged read usually holds it. */
export const FOOTER_FETCH_BYTES = 64 * 1024;

/**
 * An object as hyparquet's `AsyncBuffer`: every slice is one ranged GET, so a Parquet reader
 * fetches the footer and the column chunks it needs, never the whole object.
 * @param s3 S3 client
 * @param bucket bucket name
 * @param object key and size (a listing's, or {@link objectInfo}'s)
 */
export function rangedBuffer(s3: S3Client, bucket: string, object: ObjectInfo): AsyncBuffer {
  return {
    byteLength: object.size,
    slice: async (start: number, end?: number) => {
      const range = `bytes=${start}-${(end ?? object.size) - 1}`;
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.key, Range: range }));
      const bytes = await body.Body!.transformToByteArray();
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

/**
 * An object's key, size and ETag, from a HEAD request.
 * @param s3 S3 client
 * @param bucket bucket name
 * @param key object key
 */
export async function objectInfo(s3: S3Client, bucket: string, key: string): Promise<ObjectInfo> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return { key, size: head.ContentLength ?? 0, lastModified: head.LastModified, etag: head.ETag };
}
