import { createHash, randomBytes } from "node:crypto";
import type { Dirent, Stats } from "node:fs";
import {
  closeSync,
  createReadStream,
  createWriteStream,
  constants as fsConstants,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StorageWriteError } from "./errors";
import { md5OfFileOffThread } from "./file-md5";

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
 * - **Listings in few system calls.** A listing reads its folders, and each object's size, date and
 *   MD5 (its ETag), synchronously, and not the object's metadata file (a listing shows none of it).
 *   s3rver read them through libuv's thread pool, ~9 round trips per object: listing a five-year
 *   backfill's 1,600 silver objects (CommitSilver's check) took ~1.4 s, each call a few µs of work
 *   behind ~100–200 µs of hand-off; and each page walked the whole prefix again, where folders
 *   wholly before the page's start are now skipped. A long walk yields to the event loop every
 *   {@link LISTED_PER_TURN} folders or objects.
 * - **Files put as they are.** A file put from disk ({@link putFileObject}: what `medallion run` and
 *   `medallion dev` drop into landing) is copied by the file system, not streamed through this
 *   process, and its MD5 is computed on a worker thread: the same object, metadata and ETag as a PUT
 *   of its bytes, without the ~50 ms of hashing and the reads and writes per 27 MB file on the
 *   event loop the in-process handlers share.
 * - **Small objects keep no MD5 file.** An object of up to {@link COMPUTED_MD5_BYTES} may have no
 *   MD5 file (the engine moves an UNLOAD's files in without one: {@link readyObjectFile}); its ETag
 *   is then the MD5 of its bytes, computed when it is read or listed. A larger one without one has
 *   it computed once and kept (as s3rver did, but atomically).
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
/**
 * Objects up to this size keep no MD5 file: their MD5 (the ETag) is computed from their bytes when
 * they are read or listed, which costs less than creating a file. The engine moves an UNLOAD's
 * files into the store with no side files ({@link objectMd5}); a larger object's MD5 is computed
 * once and kept.
 */
export const COMPUTED_MD5_BYTES = 64 * 1024;

/**
 * An object's MD5 (its ETag, unquoted): the one its PUT kept, or computed from its bytes (and kept,
 * atomically, when the object is over {@link COMPUTED_MD5_BYTES}). Synchronous: a listing asks for
 * a thousand at a time (see above).
 * @param objectFile the object's file (`<key>._S3rver_object`)
 * @param size its size in bytes
 */
function objectMd5(objectFile: string, size: number): string {
  const kept = readIfAny(`${objectFile}.md5`);
  if (kept !== undefined) return kept;
  const md5 = md5OfFile(objectFile);
  if (size > COMPUTED_MD5_BYTES) writeAtomicallySync(`${objectFile}.md5`, md5);
  return md5;
}

/**
 * Readies a file to become an object by a rename into the store (an UNLOAD's output, as Athena
 * writes it): what a PUT leaves beside it for its ETag, an MD5 file, only when it is over
 * {@link COMPUTED_MD5_BYTES} (computed on a worker thread, as for a file put from disk); a smaller
 * one's is computed when read or listed. No metadata file: its headers are S3's defaults. Any
 * side file an earlier object left beside it is removed. Creating the two side files was most of
 * an UNLOAD's move: ~1–2.5 ms per file on a busy disk, a five-year backfill's 1,600 partitions ~2 s.
 * @param objectFile the file, where it will be renamed from (`<key>._S3rver_object`, in a staging
 *   folder laid out as the store, or in the store under a temporary name)
 * @param storedAt the object's file in the store, when it is not `objectFile`'s place
 */
export async function readyObjectFile(objectFile: string, storedAt: string = objectFile): Promise<void> {
  for (const stale of [`${storedAt}.md5`, metadataFileOf(storedAt)])
    if (statSync(stale, { throwIfNoEntry: false })) await rm(stale, { force: true });
  if (statSync(objectFile).size <= COMPUTED_MD5_BYTES) return;
  await writeAtomically(`${storedAt}.md5`, (await md5OfFileOffThread(objectFile)).md5);
}

// The metadata file beside an object's file, as s3rver names it.
const metadataFileOf = (objectFile: string): string =>
  `${objectFile.slice(0, -OBJECT_SUFFIX.length)}._S3rver_metadata.json`;

// The MD5 of a file, read in bounded chunks, synchronously (so one buffer serves every call).
let md5Chunk: Buffer | undefined;
function md5OfFile(path: string): string {
  const hash = createHash("md5");
  md5Chunk ??= Buffer.allocUnsafe(READ_CHUNK_BYTES);
  const chunk = md5Chunk;
  const fd = openSync(path, "r");
  try {
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) hash.update(chunk.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

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

  // s3rver's, with the MD5 from objectMd5 (s3rver computed a missing one and wrote it in place).
  store.getMetadata = async function (bucket, key) {
    const object = this.getResourcePath(bucket, key, "object");
    // Throws ENOENT for a missing object, as callers expect.
    const found = statSync(object);
    const stored = await readFile(this.getResourcePath(bucket, key, "metadata.json"), "utf8").then(
      (text) => JSON.parse(text) as Record<string, unknown>,
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined;
        throw error;
      },
    );
    return { ...stored, ...listedMetadata(object, found) };
  };

  store.listObjects = async function (bucket, { delimiter = "", startAfter = "", prefix = "", maxKeys = Infinity }) {
    const { keys, commonPrefixes } = await listKeys(this.getBucketPath(bucket), { delimiter, startAfter, prefix });
    const listed = keys.slice(0, maxKeys);
    const metadata: (Record<string, unknown> | undefined)[] = [];
    for (const key of listed) {
      const object = this.getResourcePath(bucket, key, "object");
      try {
        metadata.push(listedMetadata(object, statSync(object)));
      } catch (error) {
        // Deleted since the walk saw it.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        metadata.push(undefined);
      }
      if (metadata.length % LISTED_PER_TURN === 0) await nextTurn();
    }
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
    return storeAtomically(this, object, async (partial) => {
      const hash = createHash("md5");
      let size = 0;
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
      return { size, md5: hash.digest("hex") };
    });
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
          // An object the engine moved in has no metadata file (S3's defaults): nor has its copy.
          const metadataPath = this.getResourcePath(destBucket, destKey, "metadata.json");
          const metadata = await readFile(this.getResourcePath(srcBucket, srcKey, "metadata.json")).catch((error) => {
            if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
            throw error;
          });
          if (metadata !== undefined) await writeAtomically(metadataPath, metadata);
          else await rm(metadataPath, { force: true });
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

/** What {@link putFileObject} needs of s3rver's (patched) file store. */
export interface FileObjectStore {
  getResourcePath(bucket: string, key?: string, resource?: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
}

/**
 * Stores a local file as an object, as the patched store's `putObject` stores a PUT's bytes (an
 * atomic rename, its metadata, an MD5 file whatever its size) with neither its bytes nor their
 * hashing on this thread: the file system copies it (a reflink where the file system can), and
 * its MD5 is computed on a worker from the copy, so the ETag names the bytes stored.
 * @param store s3rver's file store, patched by {@link patchS3rverStore}
 * @param object where, its metadata (as s3rver keeps it), and the file to copy
 * @returns the stored object's size and MD5 (hex)
 * @throws StorageWriteError when the file system refuses the write
 */
export function putFileObject(
  store: FileObjectStore,
  object: { bucket: string; key: string; metadata: Record<string, string>; file: string },
): Promise<{ size: number; md5: string }> {
  return storeAtomically(store, object, async (partial) => {
    await copyFile(object.file, partial, fsConstants.COPYFILE_FICLONE);
    return md5OfFileOffThread(partial);
  });
}

// How a put lands in the store, from the HTTP API or from a file: its bytes written beside the
// object's file by `write` (which returns their size and MD5), its metadata and MD5 file, then one
// rename, so a reader sees the old object or the new one whole; on failure the partial file goes.
async function storeAtomically(
  store: FileObjectStore,
  { bucket, key, metadata }: { bucket: string; key: string; metadata: Record<string, string> },
  write: (partial: string) => Promise<{ size: number; md5: string }>,
): Promise<{ size: number; md5: string }> {
  const objectPath = store.getResourcePath(bucket, key, "object");
  await mkdir(dirname(objectPath), { recursive: true }).catch(refused(objectPath));
  const partial = partialPath(objectPath);
  try {
    const { size, md5 } = await write(partial);
    await store.putMetadata(bucket, key, metadata, md5);
    await rename(partial, objectPath);
    return { size, md5 };
  } catch (error) {
    await rm(partial, { force: true });
    return refused(objectPath)(error);
  }
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
  let walked = 0;
  const walk = async (folder: string, start: string): Promise<void> => {
    if (!start.startsWith(prefix) && !prefix.startsWith(start)) return;
    // Every key below sorts before `startAfter` (they differ inside `start`): an earlier page's.
    if (start < startAfter && !startAfter.startsWith(start)) return;
    if (++walked % LISTED_PER_TURN === 0) await nextTurn();
    const common = rollUp(start);
    if (common !== undefined) {
      // Every key below rolls up into `common`: one key after startAfter is enough to show it.
      if (!commonPrefixes.has(common) && anyKeyAfter(folder, start, startAfter)) commonPrefixes.add(common);
      return;
    }
    for (const entry of entries(folder)) {
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

/** Folders a listing reads, or objects it describes, between two turns of the event loop (see above). */
const LISTED_PER_TURN = 256;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function entries(folder: string): Dirent[] {
  try {
    return readdirSync(folder, { withFileTypes: true });
  } catch (error) {
    // Removed since its parent was read (a delete emptied it).
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

// What a listing shows of an object beside its key: its ETag, date and size.
function listedMetadata(objectFile: string, found: Stats): Record<string, unknown> {
  return {
    etag: JSON.stringify(objectMd5(objectFile, found.size)),
    "last-modified": found.mtime.toUTCString(),
    "content-length": found.size,
  };
}

// A small file's text, or none when it does not exist (asked first: a thrown ENOENT costs more
// than the stat, and most of an UNLOAD's objects have no MD5 file).
function readIfAny(path: string): string | undefined {
  if (!statSync(path, { throwIfNoEntry: false })) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

// Whether any object under `folder` (whose keys start with `start`) has a key after `startAfter`.
function anyKeyAfter(folder: string, start: string, startAfter: string): boolean {
  for (const entry of entries(folder)) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      if (anyKeyAfter(path, start + folderKeyPart(entry.name), startAfter)) return true;
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

function writeAtomicallySync(path: string, data: string): void {
  const partial = partialPath(path);
  try {
    writeFileSync(partial, data);
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
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
