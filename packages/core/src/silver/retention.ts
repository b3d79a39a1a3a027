import { createHash } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { eachLimit } from "../dynamo/request";
import { chunksOf, glue } from "../limits/index";
import type { TableRef } from "../sql/ast";
import type { PartitionCatalog } from "./catalog";
import { deleteObjects, getBytes, listObjects, parseS3Uri, putObject, S3_CONCURRENCY } from "./objects";

/** A replaced partition location, kept for rollback until its retention ends. */
export interface SupersededPartition {
  values: Record<string, string | number>;
  location: string;
}

// Markers live outside the table's prefix so no reader ever lists them as data. The key
// starts with the time, so expiry needs a listing, not a read of every marker.
const markerPrefix = (dataset: string): string => `_retention/${dataset}/`;

/**
 * Records that partition locations are about to be replaced, so they are deleted once the
 * retention period has passed. Written before the swap: a crash after it leaves a marker for a
 * location still in use, which expiry checks against the catalog and keeps.
 * @param options silver bucket, dataset, replaced partitions, time of replacement
 */
export async function recordSuperseded({
  s3,
  bucket,
  dataset,
  partitions,
  at,
}: {
  s3: S3Client;
  bucket: string;
  dataset: string;
  partitions: SupersededPartition[];
  at: Date;
}): Promise<void> {
  await eachLimit(partitions, S3_CONCURRENCY, async (partition) => {
    const hash = createHash("sha256").update(partition.location).digest("hex").slice(0, 16);
    const key = `${markerPrefix(dataset)}${String(at.getTime()).padStart(15, "0")}-${hash}.json`;
    await putObject(s3, bucket, key, JSON.stringify({ ...partition, supersededAt: at.toISOString() }));
  });
}

/** Options of {@link expireVersions}. */
export interface ExpireVersionsOptions {
  s3: S3Client;
  bucket: string;
  dataset: string;
  table: TableRef;
  catalog: PartitionCatalog;
  retentionDays: number;
  now: Date;
}

/**
 * Deletes replaced partition versions older than the retention period, never one the catalog
 * still points at. Safe to re-run: deleting data comes before deleting its marker.
 * @param options silver bucket, dataset, table, catalog, retention and clock
 * @returns the number of partition versions deleted
 */
export async function expireVersions({
  s3,
  bucket,
  dataset,
  table,
  catalog,
  retentionDays,
  now,
}: ExpireVersionsOptions): Promise<number> {
  const cutoff = now.getTime() - retentionDays * 86_400_000;
  const markers = (await listObjects(s3, bucket, markerPrefix(dataset))).filter(
    (marker) => Number(marker.key.slice(markerPrefix(dataset).length).split("-")[0]) <= cutoff,
  );
  let expired = 0;
  // A batch at a time: each is one catalog lookup of bounded size (a Glue batch; on Athena it
  // would be one query of bounded text), whatever the backlog of markers.
  for (const batch of chunksOf(markers, glue.maxBatchGetPartitions)) {
    const due: { key: string; partition: SupersededPartition }[] = new Array(batch.length);
    await eachLimit(batch, S3_CONCURRENCY, async (marker, i) => {
      const text = new TextDecoder().decode(await getBytes(s3, bucket, marker.key));
      due[i] = { key: marker.key, partition: JSON.parse(text) as SupersededPartition };
    });
    const current = await catalog.locate(
      table,
      due.map(({ partition }) => partition.values),
    );
    for (const [i, { key, partition }] of due.entries()) {
      if (current[i] !== partition.location) {
        const { bucket: dataBucket, key: prefix } = parseS3Uri(partition.location);
        const objects = await listObjects(s3, dataBucket, prefix);
        await deleteObjects(
          s3,
          dataBucket,
          objects.map((o) => o.key),
        );
        if (objects.length) expired += 1;
      }
      await deleteObjects(s3, bucket, [key]);
    }
  }
  return expired;
}
