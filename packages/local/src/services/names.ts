import { join } from "node:path";
import { buckets, queues, tables } from "@medallion/core/resources";

/**
 * The physical names of every declared bucket, table and queue on a stage, by link name, as the
 * embedded stack creates them. No service is needed to know them: readers of the data
 * directory's files use them too.
 * @param stage stage name used in physical names (default `local`)
 * @example localNames().Landing // "medallion-local-landing"
 */
export function localNames(stage = "local"): Record<string, string> {
  return Object.fromEntries(
    [...Object.keys(buckets), ...Object.keys(tables), ...Object.keys(queues)].map((name) => [
      name,
      `medallion-${stage}-${name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`,
    ]),
  );
}

/**
 * Where s3rver keeps a data directory's objects: `<dataDir>/s3/<bucket>/<key>._S3rver_object`.
 * @param dataDir state directory
 */
export const localS3Directory = (dataDir: string): string => join(dataDir, "s3");
