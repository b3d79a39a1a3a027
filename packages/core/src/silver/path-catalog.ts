import type { S3Client } from "@aws-sdk/client-s3";
import { NoSuchKey } from "@aws-sdk/client-s3";
import type { PartitionLocation } from "../sql/ast";
import type { PartitionCatalog } from "./catalog";
import { CatalogError } from "./errors";
import { getBytes, putObject } from "./objects";
import { partitionKey } from "./partition";

interface Manifest {
  partitions: Record<string, PartitionLocation>;
}

/** Options of {@link pathCatalog}. */
export interface PathCatalogOptions {
  s3: S3Client;
  bucket: string;
  /** Key of the manifest, e.g. `exports/operations/_partitions.json`. */
  key: string;
}

/**
 * The catalog of a plain S3 path: one JSON manifest naming each partition's current location.
 * A PUT replaces an object whole, so a reader of the manifest sees the old map or the new one.
 * Assumes one writer at a time (the pipeline runs one consolidation per dataset).
 * @param options S3 client, bucket and manifest key
 */
export function pathCatalog({ s3, bucket, key }: PathCatalogOptions): PartitionCatalog {
  async function read(): Promise<Manifest> {
    let bytes: Uint8Array;
    try {
      bytes = await getBytes(s3, bucket, key);
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === "NoSuchKey") return { partitions: {} };
      throw new CatalogError(`cannot read partition manifest s3://${bucket}/${key}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
    } catch (error) {
      throw new CatalogError(
        `partition manifest s3://${bucket}/${key} is not valid JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return {
    // The manifest names locations only; the path's readers take the columns from the files.
    async addColumns() {
      return [];
    },
    async locate(_table, partitions) {
      const { partitions: current } = await read();
      return partitions.map((values) => current[partitionKey(values)]?.location);
    },
    async swap(_table, partitions) {
      const manifest = await read();
      for (const partition of partitions) manifest.partitions[partitionKey(partition.values)] = partition;
      await putObject(s3, bucket, key, JSON.stringify(manifest, null, 2));
    },
    async drop(_table, partitions) {
      const manifest = await read();
      const keys = partitions.map(partitionKey).filter((name) => name in manifest.partitions);
      if (keys.length === 0) return;
      for (const name of keys) delete manifest.partitions[name];
      await putObject(s3, bucket, key, JSON.stringify(manifest, null, 2));
    },
  };
}
