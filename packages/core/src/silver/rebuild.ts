import type { S3Client } from "@aws-sdk/client-s3";
import * as z from "zod";
import { getBytes, putObject } from "./objects";
import { partitionKey, partitionOrdinal } from "./partition";
import type { PartitionSpec } from "./spec";

/**
 * A rebuild, as the pipeline's input carries it (`{ dataset, rebuild: { id, from?, to? } }`):
 * silver partitions of the range (event days, both included; all when absent) recomputed from
 * every bronze file under the current spec. The id names the rebuild: a rerun resumes it.
 */
export const silverRebuildSchema = z.object({
  id: z.string().min(1),
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  to: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  /**
   * Only these days (`yyyymmdd` ordinals): the recompute a replaced landing file starts takes
   * the days either version touched. A plan's last step drops those no current file covers.
   */
  days: z.array(z.number().int()).optional(),
});

/** A rebuild. */
export type SilverRebuild = z.infer<typeof silverRebuildSchema>;

const dayOrdinal = (day: string): number => Number(day.replaceAll("-", ""));

/**
 * Whether a partition lies in a rebuild's range.
 * @param values the partition's values
 * @param partition the silver spec's partitioning
 * @param rebuild the rebuild
 */
export function inRebuildRange(
  values: Record<string, number>,
  partition: PartitionSpec,
  rebuild: SilverRebuild,
): boolean {
  const ordinal = partitionOrdinal(values, partition);
  return (
    (!rebuild.from || ordinal >= dayOrdinal(rebuild.from)) &&
    (!rebuild.to || ordinal <= dayOrdinal(rebuild.to)) &&
    (!rebuild.days || rebuild.days.includes(ordinal))
  );
}

// Beside the plans, outside every table's prefix.
const markerKey = (dataset: string, id: string): string => `_rebuilds/${dataset}/${id}.json`;

/**
 * The partitions a rebuild has already rewritten (their keys): a later plan of the same rebuild
 * unions its rows with theirs, while a partition it has not reached yet is written from bronze
 * alone (its old rows are what the rebuild replaces).
 * @param options S3 client, the silver bucket, dataset and rebuild id
 */
export async function rebuiltPartitions({
  s3,
  bucket,
  dataset,
  id,
}: {
  s3: S3Client;
  bucket: string;
  dataset: string;
  id: string;
}): Promise<Set<string>> {
  try {
    const bytes = await getBytes(s3, bucket, markerKey(dataset, id));
    return new Set(JSON.parse(new TextDecoder().decode(bytes)) as string[]);
  } catch (error) {
    if ((error as Error).name === "NoSuchKey") return new Set();
    throw error;
  }
}

/**
 * Adds a plan's partitions to its rebuild's rewritten set. Called after gold and before the
 * ledger is marked: a crash in between replans the same files over partitions that already hold
 * their rows, and deduplication keeps one of the equal rows.
 * @param options S3 client, the silver bucket, dataset, rebuild id and the partitions
 */
export async function recordRebuilt({
  s3,
  bucket,
  dataset,
  id,
  partitions,
}: {
  s3: S3Client;
  bucket: string;
  dataset: string;
  id: string;
  partitions: Record<string, number>[];
}): Promise<void> {
  const done = await rebuiltPartitions({ s3, bucket, dataset, id });
  for (const values of partitions) done.add(partitionKey(values));
  await putObject(s3, bucket, markerKey(dataset, id), JSON.stringify([...done].sort()));
}
