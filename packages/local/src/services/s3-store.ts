import { createHash, randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StorageWriteError } from "./errors";

/**
 * How the embedded S3 stores objects, made to behave as S3 does where s3rver's file store does not:
 *
 * - **Atomic writes.** A PUT (or a copy, or a completed multipart upload) is written to a temporary
 *   file beside the object and renamed into place once whole, so a crash or a kill never leaves a
 *   partial or 0-byte object visible (s3rver wrote in place, and answered a Buffer PUT before the
 *   bytes were flushed).
 * - **Any key S3 takes.** S3 keys go up to 1,024 bytes with segments of any length; a file name
 *   holds 255 bytes. A segment over {@link MAX_SEGMENT_BYTES} is stored as a chain of folders, each
 *   chunk but the last ending in `._S3rver_cont` ({@link storedKeyPath}); listings turn the path
 *   back into the key ({@link keyOfStoredPath}). Keys of ordinary length are stored as before.
 * - **Refusals said plainly.** A write the file system refuses (a full disk, a read-only or
 *   unwritable data directory) fails with a {@link StorageWriteError} naming the object's path,
 *   which s3rver passes on as the message of its InternalError (not "Please try again").
 * - **Reads in large chunks.** A GET streams the object in 1 MB reads, not Node's default 64 KB:
 *   the handlers read every landing file back whole, and each read costs this process's one
 *   event loop (which the handlers share) about as much CPU at 64 KB as at 1 MB.
 * - **Listings by key.** s3rver pruned a delimited listing's folders by their stored path, so it
 *   missed keys whose segment spans two continuation folders (over ~400 bytes) and common prefixes
 *   whose folder holds only folders; listings here decide on the keys folders stand for, and are
 *   sorted by key.
 */

/** The longest key segment stored as one file or folder name (leaving room for s3rver's suffixes). */
export const MAX_SEGMENT_BYTES = 200;
/** The suffix of a folder holding the continuation of a key segment too long for one name. */
export const CONTINUED_SEGMENT = "._S3rver_cont";

/**
 * The relative path (`/`-separated) an object key is stored under, before s3rver's suffix.
 * @param key the object key
 */
export function storedKeyPath(key: string): string {
  return key
    .split("/")
    .map((segment) =>
      Buffer.byteLength(segment) <= MAX_SEGMENT_BYTES ? segment : chunks(segment).join(`${CONTINUED_SEGMENT}/`),
    )
    .join("/");
}

/**
 * The object key stored under a relative path (the inverse of {@link storedKeyPath}).
 * @param path the path under the bucket's folder, `/`-separated, without s3rver's suffix
 */
export function keyOfStoredPath(path: string): string {
  return path.split(`${CONTINUED_SEGMENT}/`).join("");
}

// A segment cut into pieces of at most MAX_SEGMENT_BYTES, never inside a character.
function chunks(segment: string): string[] {
  const pieces: string[] = [];
  let piece = "";
  let bytes = 0;
  for (const character of segment) {
    const size = Buffer.byteLength(character);
    if (bytes + size > MAX_SEGMENT_BYTES) {
      pieces.push(piece);
      piece = "";
      bytes = 0;
    }
    piece += character;
    bytes += size;
  }
  return [...pieces, piece];
}

interface StoredObject {
  bucket: string;
  key: string;
  metadata: Record<string, string>;
  content: Buffer | Readable;
}

/** What a listing asks for, as s3rver's controllers pass it. */
interface ListOptions {
  delimiter?: string;
  startAfter?: string;
  prefix?: string;
  maxKeys?: number;
}

interface FilesystemStoreClass {
  encodeKeyPath(key: string): string;
  decodeKeyPath(path: string): string;
  prototype: {
    getBucketPath(bucket: string): string;
    listObjects(
      bucket: string,
      options: ListOptions,
    ): Promise<{ objects: unknown[]; commonPrefixes: string[]; isTruncated: boolean }>;
    getResourcePath(bucket: string, key?: string, resource?: string): string;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
    getMetadata(bucket: string, key: string): Promise<Record<string, unknown>>;
    getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<unknown>;
    putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
    copyObject(
      srcBucket: string,
      srcKey: string,
      destBucket: string,
      destKey: string,
      replacementMetadata?: Record<string, string>,
    ): Promise<Record<string, unknown>>;
  };
}

let patched = false;

/** Makes s3rver's file store write atomically and take any key S3 takes (see above). Idempotent. */
export function patchS3rverStore(): void {
  if (patched) return;
  patched = true;
  const require = createRequire(import.meta.url);
  const FilesystemStore = require("s3rver/lib/stores/filesystem") as FilesystemStoreClass;
  const { pick, pickBy } = require("lodash") as {
    pick: (value: object, keys: string[]) => Record<string, string>;
    pickBy: (value: object, keep: (value: string, key: string) => boolean) => Record<string, string>;
  };
  const S3Object = require("s3rver/lib/models/object") as {
    ALLOWED_METADATA: string[];
    new (bucket: string, key: string, content: Readable | null, metadata: Record<string, unknown>): { range?: unknown };
  };
  const store = FilesystemStore.prototype;

  FilesystemStore.encodeKeyPath = storedKeyPath;
  FilesystemStore.decodeKeyPath = keyOfStoredPath;

  store.putMetadata = async function (bucket, key, metadata, md5) {
    const json = {
      ...pick(metadata, S3Object.ALLOWED_METADATA),
      ...pickBy(metadata, (_, name) => name.startsWith("x-amz-meta-")),
    };
    if (md5) await writeAtomically(this.getResourcePath(bucket, key, "object.md5"), md5);
    await writeAtomically(this.getResourcePath(bucket, key, "metadata.json"), JSON.stringify(json, null, 2));
  };

  store.listObjects = async function (bucket, { delimiter = "", startAfter = "", prefix = "", maxKeys = Infinity }) {
    const { keys, commonPrefixes } = await listKeys(this.getBucketPath(bucket), { delimiter, startAfter, prefix });
    const listed = keys.slice(0, maxKeys);
    const metadata = await Promise.all(
      listed.map((key) =>
        this.getMetadata(bucket, key).catch((error: NodeJS.ErrnoException) => {
          // Deleted since the walk saw it.
          if (error.code === "ENOENT") return undefined;
          throw error;
        }),
      ),
    );
    return {
      objects: listed.flatMap((key, i) => (metadata[i] ? [new S3Object(bucket, key, null, metadata[i])] : [])),
      commonPrefixes,
      isTruncated: keys.length > listed.length,
    };
  };

  // s3rver's getObject, reading in READ_CHUNK_BYTES chunks.
  store.getObject = async function (bucket, key, options) {
    try {
      const metadata = await this.getMetadata(bucket, key);
      const lastByte = Math.max(0, Number(metadata["content-length"]) - 1);
      const ranged = options !== undefined && (options.start !== undefined || Boolean(options.end));
      const range = { start: options?.start || 0, end: Math.min(options?.end || Infinity, lastByte) };
      let content: Readable | null = null;
      // An unsatisfiable range has no content (s3rver answers it with 416).
      if (range.start >= 0 && range.start <= Math.min(range.end, lastByte))
        content = await new Promise<Readable>((resolve, reject) => {
          const stream = createReadStream(this.getResourcePath(bucket, key, "object"), {
            ...range,
            highWaterMark: READ_CHUNK_BYTES,
          })
            .on("error", reject)
            .on("open", () => resolve(stream));
        });
      const object = new S3Object(bucket, key, content, metadata);
      if (ranged) object.range = range;
      return object;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  };

  store.putObject = async function (object) {
    const objectPath = this.getResourcePath(object.bucket, object.key, "object");
    await mkdir(dirname(objectPath), { recursive: true }).catch(refused(objectPath));
    const partial = partialPath(objectPath);
    const hash = createHash("md5");
    let size = 0;
    try {
      if (Buffer.isBuffer(object.content)) {
        hash.update(object.content);
        size = object.content.length;
        await writeFile(partial, object.content);
      } else {
        const measure = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            hash.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        });
        await pipeline(object.content, measure, createWriteStream(partial));
      }
      const md5 = hash.digest("hex");
      await this.putMetadata(object.bucket, object.key, object.metadata, md5);
      await rename(partial, objectPath);
      return { size, md5 };
    } catch (error) {
      await rm(partial, { force: true });
      return refused(objectPath)(error);
    }
  };

  store.copyObject = async function (srcBucket, srcKey, destBucket, destKey, replacementMetadata) {
    const source = this.getResourcePath(srcBucket, srcKey, "object");
    const target = this.getResourcePath(destBucket, destKey, "object");
    if (source !== target) {
      await mkdir(dirname(target), { recursive: true }).catch(refused(target));
      const partial = partialPath(target);
      try {
        await copyFile(source, partial);
        // The copy's md5 (its ETag) is the source's, whatever happens to its metadata: one left
        // from an object the copy replaces would name other bytes. s3rver writes an object's md5
        // file lazily, on its first read: when the source has none yet, neither has the copy.
        const md5 = await readFile(this.getResourcePath(srcBucket, srcKey, "object.md5")).catch((error) => {
          if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
          throw error;
        });
        const md5Path = this.getResourcePath(destBucket, destKey, "object.md5");
        if (md5 !== undefined) await writeAtomically(md5Path, md5);
        else await rm(md5Path, { force: true });
        if (!replacementMetadata) {
          const metadata = await readFile(this.getResourcePath(srcBucket, srcKey, "metadata.json"));
          await writeAtomically(this.getResourcePath(destBucket, destKey, "metadata.json"), metadata);
        } else await this.putMetadata(destBucket, destKey, replacementMetadata);
        await rename(partial, target);
      } catch (error) {
        await rm(partial, { force: true });
        return refused(target)(error);
      }
    } else if (replacementMetadata) await this.putMetadata(destBucket, destKey, replacementMetadata);
    return this.getMetadata(destBucket, destKey);
  };
}

const OBJECT_SUFFIX = "._S3rver_object";
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * The keys of a bucket's folder after `startAfter` that start with `prefix`, sorted, and with a
 * delimiter the common prefixes that stand for the rest (s3rver's rules: keys up to `startAfter`
 * are left out before prefixes are formed). Folders are walked by the keys they stand for: a
 * folder whose keys all roll up into one common prefix is not walked past its first object.
 * @param bucketPath the bucket's folder
 * @param options what the listing asks for
 */
export async function listKeys(
  bucketPath: string,
  { delimiter, startAfter, prefix }: Required<Omit<ListOptions, "maxKeys">>,
): Promise<{ keys: string[]; commonPrefixes: string[] }> {
  const keys: string[] = [];
  const commonPrefixes = new Set<string>();
  // The common prefix a key (or a folder's keys, all starting with `start`) rolls up into, if any.
  const rollUp = (start: string): string | undefined => {
    if (!delimiter || !start.startsWith(prefix)) return undefined;
    const at = start.indexOf(delimiter, prefix.length);
    return at === -1 ? undefined : start.slice(0, at + delimiter.length);
  };
  // `start`: what every key under `folder` starts with.
  const walk = async (folder: string, start: string): Promise<void> => {
    if (!start.startsWith(prefix) && !prefix.startsWith(start)) return;
    const common = rollUp(start);
    if (common !== undefined) {
      // Every key below rolls up into `common`: one key after startAfter is enough to show it.
      if (!commonPrefixes.has(common) && (await anyKeyAfter(folder, start, startAfter))) commonPrefixes.add(common);
      return;
    }
    for (const entry of await entries(folder)) {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory()) await walk(path, start + folderKeyPart(entry.name));
      else if (entry.name.endsWith(OBJECT_SUFFIX)) {
        const key = start + entry.name.slice(0, -OBJECT_SUFFIX.length);
        if (key <= startAfter || !key.startsWith(prefix)) continue;
        const keyCommon = rollUp(key);
        if (keyCommon === undefined) keys.push(key);
        else commonPrefixes.add(keyCommon);
      }
    }
  };
  await walk(bucketPath, "");
  return { keys: keys.sort(), commonPrefixes: [...commonPrefixes].sort() };
}

// What a folder adds to the keys below it: a key segment and its slash, or a chunk of a long segment.
function folderKeyPart(name: string): string {
  return name.endsWith(CONTINUED_SEGMENT) ? name.slice(0, -CONTINUED_SEGMENT.length) : `${name}/`;
}

async function entries(folder: string): Promise<Dirent[]> {
  try {
    return await readdir(folder, { withFileTypes: true });
  } catch (error) {
    // Removed since its parent was read (a delete emptied it).
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

// Whether any object under `folder` (whose keys start with `start`) has a key after `startAfter`.
async function anyKeyAfter(folder: string, start: string, startAfter: string): Promise<boolean> {
  for (const entry of await entries(folder)) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      if (await anyKeyAfter(path, start + folderKeyPart(entry.name), startAfter)) return true;
    } else if (entry.name.endsWith(OBJECT_SUFFIX) && start + entry.name.slice(0, -OBJECT_SUFFIX.length) > startAfter)
      return true;
  }
  return false;
}

// Rethrows a write error, as a StorageWriteError naming `path` when the file system refused it.
const refused =
  (path: string) =>
  (error: unknown): never => {
    throw StorageWriteError.of(error, path) ?? error;
  };

// Beside the final file (same folder, so the rename is atomic); its name ends in no s3rver suffix,
// so neither listings nor the engine's reads ever see it.
function partialPath(path: string): string {
  return `${path}.${randomBytes(6).toString("hex")}.partial`;
}

async function writeAtomically(path: string, data: string | Buffer): Promise<void> {
  const partial = partialPath(path);
  try {
    await writeFile(partial, data);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
