import crypto from "node:crypto";
import { mkdir } from "node:fs/promises";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { s3 as limits, utf8Bytes } from "@medallion/core/limits";
import S3rver from "s3rver";
import { PortInUseError } from "./errors";
import { localS3Directory } from "./names";
import type { FileObjectStore } from "./s3-store";
import { patchS3rverStore, putFileObject } from "./s3-store";

/** An S3 ObjectCreated notification record, as s3rver emits it (key not URL-encoded). */
export interface LocalObjectCreated {
  eventName: string;
  bucket: string;
  key: string;
  size: number;
  eTag?: string;
  sequencer: string;
}

/** An object {@link LocalS3.putObject} stores: its bytes, or a file on disk to copy. */
export type LocalPut = { bucket: string; key: string } & ({ body: Buffer } | { file: string });

/** The embedded S3 endpoint. */
export interface LocalS3 {
  endpoint: string;
  /** Folder s3rver stores objects in: `<dir>/<bucket>/<key>._S3rver_object` (long segments split: `./s3-store`). */
  directory: string;
  onObjectCreated(listener: (event: LocalObjectCreated) => void): void;
  /**
   * Stores an object as a PUT through the endpoint would (the same stored bytes, metadata and
   * ETag, the same ObjectCreated notification) without carrying its bytes over HTTP and the SDK
   * in this very process: what `medallion run` and `medallion dev` drop into landing, whose HTTP
   * upload cost the process as much CPU as reading the file back (`test/bench/pipeline/NOTES.md`,
   * round 7). A file on disk is copied by the file system and hashed on a worker thread
   * (`./s3-store`, `putFileObject`), so none of its bytes pass through this thread.
   * @param object where, and what: bytes (`body`), or a file on disk (`file`)
   * @returns the object's ETag (its MD5, hex)
   * @throws KeyTooLongError as S3 refuses a key over 1,024 bytes
   */
  putObject(object: LocalPut): Promise<string>;
  close(): Promise<void>;
}

/**
 * s3rver seals ListObjectsV2 continuation tokens with DES, which Node 22's OpenSSL no longer
 * has: every listing of more than 1,000 keys failed with "We encountered an internal error".
 * A token only has to round-trip, so DES, and DES alone, becomes the identity: no other code
 * of the process can use DES anyway.
 */
function openS3rverContinuationTokens(): void {
  const marked = crypto as typeof crypto & { s3rverTokens?: true };
  if (marked.s3rverTokens) return;
  marked.s3rverTokens = true;
  const identity = {
    update: (data: string | Uint8Array, encoding?: BufferEncoding) =>
      typeof data === "string" ? Buffer.from(data, encoding ?? "utf8") : Buffer.from(data),
    final: () => Buffer.alloc(0),
  };
  const { createCipheriv, createDecipheriv } = crypto;
  crypto.createCipheriv = ((algorithm: string, ...rest: unknown[]) =>
    algorithm === "des" ? identity : Reflect.apply(createCipheriv, crypto, [algorithm, ...rest])) as never;
  crypto.createDecipheriv = ((algorithm: string, ...rest: unknown[]) =>
    algorithm === "des" ? identity : Reflect.apply(createDecipheriv, crypto, [algorithm, ...rest])) as never;
}

interface CopyRequest {
  headers: Record<string, string | undefined>;
  store: { getMetadata(bucket: string, key: string): Promise<{ etag?: string }> };
}

/**
 * CopyObject as S3 does it, where s3rver does not: S3 URL-decodes `x-amz-copy-source` whole and
 * drops its `?versionId=`, where s3rver's `decodeURI` leaves `%2B`, `%23`, `%26`… encoded, so a
 * key holding `+`, `#` or `&` named another object; and S3 refuses with 412 a copy whose source
 * no longer has the ETag `x-amz-copy-source-if-match` names, a condition s3rver ignored.
 */
function copyAsS3Does(): void {
  const require = createRequire(import.meta.url);
  const objects = require("s3rver/lib/controllers/object") as {
    putObjectCopy: (ctx: CopyRequest) => Promise<void>;
    medallionCopy?: true;
  };
  if (objects.medallionCopy) return;
  objects.medallionCopy = true;
  const S3Error = require("s3rver/lib/models/error") as new (
    code: string,
    message: string,
    detail?: Record<string, string>,
  ) => Error;
  const copy = objects.putObjectCopy;
  objects.putObjectCopy = async (ctx) => {
    const [path = ""] = (ctx.headers["x-amz-copy-source"] ?? "").split("?");
    const source = decodeURIComponent(path.replace(/^\//, ""));
    // s3rver reads the header with decodeURI, which encodeURI's output gives back exactly.
    ctx.headers["x-amz-copy-source"] = encodeURI(source);
    const condition = ctx.headers["x-amz-copy-source-if-match"];
    if (condition) {
      const slash = source.indexOf("/");
      const metadata = await ctx.store
        .getMetadata(source.slice(0, slash), source.slice(slash + 1))
        .catch(() => undefined);
      const unquote = (etag: string) => etag.replace(/"/g, "");
      // A missing source is s3rver's to report (NoSuchKey).
      if (metadata?.etag && unquote(metadata.etag) !== unquote(condition))
        throw new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", {
          Condition: "x-amz-copy-source-If-Match",
        });
    }
    return copy(ctx);
  };
}

/**
 * S3 refuses a key over 1,024 bytes (UTF-8) with KeyTooLongError; s3rver stores it (or fails on
 * the file system's name limit instead). Checked first, for every object request (path-style).
 */
function refuseLongKeys(server: S3rver): void {
  const middleware = (server as unknown as { middleware: unknown[] }).middleware;
  middleware.unshift(
    async (ctx: { path: string; status: number; type: string; body: string }, next: () => Promise<void>) => {
      const slash = ctx.path.indexOf("/", 1);
      if (slash !== -1) {
        let key: string;
        try {
          key = decodeURIComponent(ctx.path.slice(slash + 1));
        } catch {
          key = ctx.path.slice(slash + 1);
        }
        if (utf8Bytes(key) > limits.maxKeyBytes) {
          ctx.status = 400;
          ctx.type = "application/xml";
          ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>KeyTooLongError</Code><Message>${keyTooLong(key)}</Message></Error>`;
          return;
        }
      }
      await next();
    },
  );
}

/**
 * Starts s3rver on a loopback port with objects under `<dataDir>/s3`, creating the given
 * buckets if they do not exist yet.
 * @param dataDir state directory
 * @param bucketNames physical bucket names to create
 * @param port the port (0: any free one)
 * @throws PortInUseError when `port` is taken
 */
export async function startS3(dataDir: string, bucketNames: string[], port = 0): Promise<LocalS3> {
  openS3rverContinuationTokens();
  patchS3rverStore();
  copyAsS3Does();
  const directory = localS3Directory(dataDir);
  await mkdir(directory, { recursive: true });
  const server = new S3rver({
    address: "127.0.0.1",
    port,
    silent: true,
    directory,
    configureBuckets: bucketNames.map((name) => ({ name, configs: [] })),
  });
  refuseLongKeys(server);
  // s3rver reports a taken port as an unhandled 'error' event, not as a failed run: look first.
  if (port !== 0) await portFree(port);
  const address = await server.run();
  // Node's 5 s keep-alive (s3rver's) closes a pooled connection the SDK may be reusing that very
  // moment when this process's event loop was busy longer (PlanSilver decoding hundreds of
  // column chunks of a 16M-record backlog): its requests failed with "read ECONNRESET". S3 keeps
  // idle connections open far longer than the SDK's pool does.
  const http = (server as unknown as { httpServer: Server }).httpServer;
  http.keepAliveTimeout = 120_000;
  http.headersTimeout = 121_000;
  const endpoint = `http://127.0.0.1:${address.port}`;
  // s3rver's CopyObject events carry no ETag (S3's do): it is read back from the copy.
  const s3 = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  const listeners: ((event: LocalObjectCreated) => void)[] = [];
  server.on("event", (event: S3rverEvent) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith("ObjectCreated")) continue;
      const created: LocalObjectCreated = {
        eventName: record.eventName,
        bucket: record.s3.bucket.name,
        key: record.s3.object.key,
        size: record.s3.object.size,
        eTag: record.s3.object.eTag,
        sequencer: record.s3.object.sequencer,
      };
      const notify = () => {
        for (const listener of listeners) listener(created);
      };
      if (created.eTag) notify();
      else
        s3.send(new HeadObjectCommand({ Bucket: created.bucket, Key: created.key }))
          .then(({ ETag }) => {
            created.eTag = ETag?.replace(/"/g, "");
          })
          // Gone already (moved or deleted): S3 would still notify, with the copy's ETag unknown here.
          .catch(() => undefined)
          .finally(notify);
    }
  });
  const store = (server as unknown as { store: ObjectStore }).store;
  return {
    endpoint,
    directory,
    onObjectCreated: (listener) => void listeners.push(listener),
    putObject: async (put) => {
      const { bucket, key } = put;
      if (utf8Bytes(key) > limits.maxKeyBytes)
        throw Object.assign(new Error(keyTooLong(key)), { name: "KeyTooLongError" });
      // The metadata s3rver keeps of an SDK PUT of bytes with no content type of their own.
      const metadata = { "content-type": "application/octet-stream" };
      const { md5, size } =
        "file" in put
          ? await putFileObject(store, { bucket, key, metadata, file: put.file })
          : await store.putObject({ bucket, key, metadata, content: put.body });
      const created: LocalObjectCreated = {
        eventName: "ObjectCreated:Put",
        bucket,
        key,
        size,
        eTag: md5,
        sequencer: Date.now().toString(16).toUpperCase(),
      };
      for (const listener of listeners) listener(created);
      return md5;
    },
    close: async () => {
      s3.destroy();
      await server.close();
    },
  };
}

// S3's words for a key over its limit, in the HTTP error and the in-process put alike.
const keyTooLong = (key: string): string =>
  `Your key is too long (${utf8Bytes(key)} bytes; the limit is ${limits.maxKeyBytes})`;

async function portFree(port: number): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new PortInUseError(`S3 port ${port} is in use (another medallion dev?)`, { cause: error })
          : error,
      ),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

// s3rver's file store, as the embedded S3 writes through it (`./s3-store` patches it).
interface ObjectStore extends FileObjectStore {
  putObject(object: {
    bucket: string;
    key: string;
    metadata: Record<string, string>;
    content: Buffer;
  }): Promise<{ size: number; md5: string }>;
}

interface S3rverEvent {
  Records: {
    eventName: string;
    s3: { bucket: { name: string }; object: { key: string; size: number; eTag?: string; sequencer: string } };
  }[];
}
