import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { isDataFile, parseS3Uri } from "@medallion/core/silver";
import { keyOfStoredPath, storedKeyPath } from "../services/s3-store";

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
