import type { Dirent } from "node:fs";
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { isDataFile, parseS3Uri } from "@medallion/core/silver";
import { keyOfStoredPath, patchS3rverStore, storedKeyPath } from "../services/s3-store";

const SUFFIX = "._S3rver_object";

/**
 * Local path of an S3 object in s3rver's directory: `<dir>/<bucket>/<key>._S3rver_object`, a key
 * segment too long for a file name split as the store splits it (`storedKeyPath`).
 * @param s3Directory s3rver's directory
 * @param uri `s3://bucket/key`
 */
export function objectPath(s3Directory: string, uri: string): string {
  const { bucket, key } = parseS3Uri(uri);
  return join(s3Directory, bucket, ...storedKeyPath(key).split("/")) + SUFFIX;
}

/**
 * Local paths of the data objects under an S3 prefix (names starting with `_` or `.` are not
 * data, as for Athena), sorted; none when the prefix does not exist.
 * @param s3Directory s3rver's directory
 * @param uri `s3://bucket/prefix/`
 */
export async function prefixFiles(s3Directory: string, uri: string): Promise<string[]> {
  const { bucket, key } = parseS3Uri(uri);
  const root = join(s3Directory, bucket);
  const start = join(root, ...storedKeyPath(key).split("/").filter(Boolean));
  let entries: Dirent[];
  try {
    entries = await readdir(start, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(SUFFIX))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => isDataFile(keyOfStoredPath(relative(root, path).split(sep).join("/").slice(0, -SUFFIX.length))))
    .sort();
}

// s3rver's file store (made atomic by `patchS3rverStore`): what its PUT handler calls once the request is read.
interface ObjectStore {
  putObject(object: {
    bucket: string;
    key: string;
    metadata: Record<string, string>;
    content: Readable;
  }): Promise<unknown>;
}
const stores = new Map<string, ObjectStore>();

/**
 * Writes a local file as an object straight into s3rver's store, as Athena writes an UNLOAD's
 * files itself rather than through the caller's S3 API: atomically, with the MD5 (its ETag) and
 * metadata a PUT leaves, streamed from disk. An UNLOAD of 100 partitions put through the S3 API
 * spent most of its time in the SDK and the HTTP server (the five-year backfill: 16 of them).
 * @param s3Directory s3rver's directory
 * @param uri `s3://bucket/key` of the object
 * @param file the local file
 */
export async function storeObjectFile(s3Directory: string, uri: string, file: string): Promise<void> {
  patchS3rverStore();
  let store = stores.get(s3Directory);
  if (!store) {
    const FilesystemStore = createRequire(import.meta.url)("s3rver/lib/stores/filesystem") as new (
      directory: string,
    ) => ObjectStore;
    store = new FilesystemStore(s3Directory);
    stores.set(s3Directory, store);
  }
  const { bucket, key } = parseS3Uri(uri);
  await store.putObject({
    bucket,
    key,
    metadata: { "content-type": "application/octet-stream" },
    content: createReadStream(file),
  });
}
