import type { Dirent } from "node:fs";
import { createReadStream, readdirSync, renameSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { eachLimit } from "@medallion/core/dynamo";
import { isDataFile, parseS3Uri } from "@medallion/core/silver";
import { keyOfStoredPath, patchS3rverStore, readyObjectFile, storedKeyPath } from "../services/s3-store";

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
    // Synchronously: a read of a snapshot lists every partition's folder (a five-year backfill:
    // 1,600 of them), each a few µs of work behind ~100–200 µs of libuv's thread-pool hand-off.
    entries = readdirSync(start, { recursive: true, withFileTypes: true });
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

// s3rver's file store (made atomic by `patchS3rverStore`): what its PUT handler calls once the
// request is read, and where it keeps an object.
interface ObjectStore {
  putObject(object: {
    bucket: string;
    key: string;
    metadata: Record<string, string>;
    content: Readable;
  }): Promise<unknown>;
  getResourcePath(bucket: string, key: string, resource: string): string;
}
const stores = new Map<string, ObjectStore>();

function storeOf(s3Directory: string): ObjectStore {
  // One store per directory: s3rver's, or a staging folder laid out as it is.
  patchS3rverStore();
  let store = stores.get(s3Directory);
  if (!store) {
    const FilesystemStore = createRequire(import.meta.url)("s3rver/lib/stores/filesystem") as new (
      directory: string,
    ) => ObjectStore;
    store = new FilesystemStore(s3Directory);
    stores.set(s3Directory, store);
  }
  return store;
}

/**
 * A folder for files about to become objects, on the store's file system so that
 * {@link moveObjectFile} renames them rather than copying them: beside s3rver's directory, not
 * in it (each folder there is a bucket).
 * @param s3Directory s3rver's directory
 */
export function stagingDirectory(s3Directory: string): Promise<string> {
  return mkdtemp(join(dirname(s3Directory), ".staging-"));
}

/**
 * Moves a local file into s3rver's store as an object, as Athena writes an UNLOAD's files itself
 * rather than through the caller's S3 API: readied as {@link readyObjectFile} says (an MD5 file
 * only for a large one), then renamed into place, so a reader sees the whole object or none. A
 * file on another file system is put (streamed) instead. An UNLOAD of 100 partitions put through
 * the S3 API spent most of its time in the SDK and the HTTP server.
 * @param s3Directory s3rver's directory
 * @param uri `s3://bucket/key` of the object
 * @param file the local file, gone once moved
 */
export async function moveObjectFile(s3Directory: string, uri: string, file: string): Promise<void> {
  const store = storeOf(s3Directory);
  const { bucket, key } = parseS3Uri(uri);
  const target = store.getResourcePath(bucket, key, "object");
  await mkdir(dirname(target), { recursive: true });
  await readyObjectFile(file, target);
  try {
    await rename(file, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    await store.putObject({ bucket, key, metadata: {}, content: createReadStream(file) });
    await rm(file, { force: true });
  }
}

/**
 * A key prefix as the folder it names: `a/b` is `a/b/`; the bucket's root (`""`) stays itself.
 * @param key an S3 key prefix
 */
export function folderKey(key: string): string {
  return key === "" || key.endsWith("/") ? key : `${key}/`;
}

/**
 * Where the objects under an S3 prefix live in a folder laid out as s3rver's store:
 * `<root>/<bucket>/<prefix>`. With s3rver's directory as the root, the prefix's folder in the
 * store; with a {@link stagingDirectory}, where an unload writes the files {@link moveObjectFolder} moves there.
 * @param root s3rver's directory, or a staging folder
 * @param uri `s3://bucket/prefix/`
 */
export function prefixPath(root: string, uri: string): string {
  const { bucket, key } = parseS3Uri(uri);
  return join(root, bucket, ...storedKeyPath(key).split("/").filter(Boolean));
}

/**
 * Moves the files an unload wrote under `prefixPath(staging, uri)` into s3rver's store as the
 * objects under `uri`, as Athena writes an UNLOAD's files itself: each file is given its MD5 (its
 * ETag), the metadata a PUT leaves and its stored name where it lies, then the whole folder is
 * renamed into place, so a reader sees every object or none. One rename for the folder instead
 * of a folder, two writes and a rename per object in the store: a backfill's 1,600 partitions
 * spent as long moving their files as DuckDB writing them. Each file is renamed in its folder and
 * readied by {@link readyObjectFile}: no side files for the small ones (they were most of the
 * move's cost, ~250 ms per 100 files). Falls back to {@link moveObjectFile}
 * per file when the folder cannot go whole: a key the store splits (a segment too long for a
 * file name), a prefix whose folder holds something already, another file system.
 * @param s3Directory s3rver's directory
 * @param uri `s3://bucket/prefix/` the files go under
 * @param staging the staging folder ({@link stagingDirectory}) the files were written in
 * @param files the files, under `prefixPath(staging, uri)`; gone once moved
 */
export async function moveObjectFolder(
  s3Directory: string,
  uri: string,
  staging: string,
  files: string[],
): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  const base = folderKey(key);
  const source = prefixPath(staging, uri);
  const target = prefixPath(s3Directory, uri);
  const moves = files.map((file) => ({ file, key: `${base}${relative(source, file).split(sep).join("/")}` }));
  const whole =
    moves.every(({ key }) => storedKeyPath(key) === key) &&
    (await emptyOrMissing(target)) &&
    (await stat(staging)).dev === (await stat(s3Directory)).dev;
  if (!whole) {
    await eachLimit(moves, 8, ({ file, key }) => moveObjectFile(s3Directory, `s3://${bucket}/${key}`, file));
    return;
  }
  const staged = storeOf(staging);
  for (const { file, key } of moves) {
    const object = staged.getResourcePath(bucket, key, "object");
    renameSync(file, object);
    await readyObjectFile(object);
  }
  await mkdir(dirname(target), { recursive: true });
  await rename(source, target);
}

async function emptyOrMissing(folder: string): Promise<boolean> {
  try {
    return (await readdir(folder)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
}
