import { createHash } from "node:crypto";
import { asyncBufferFromFile } from "hyparquet";
import type { DatasetSpec } from "../dataset/spec";
import type { LedgerEntry } from "../ledger/ledger";
import { markForRebuild, recordPartitionDays, retireOlderVersions } from "../ledger/ledger";
import { partitionSourcePath } from "../silver/columns";
import { parquetPartitions, partitionDays } from "../silver/partition";
import { io } from "./s3";
import type { IngestContext } from "./types";

/** The version of a landing key just ingested, as {@link supersede} needs it. */
export interface NewerVersion {
  dataset: string;
  spec: DatasetSpec | undefined;
  /** `<key>#<etag>`, the ledger's `file_id`. */
  fileId: string;
  key: string;
  etag: string;
  /** Its bronze Parquet file, while still on local disk (a fresh ingest); absent on a repeated event. */
  parquetPath?: string;
  /** Its ledger entry as read, on a repeated event. */
  entry?: LedgerEntry;
  /** False when nothing of it reached bronze (quarantined whole, or every record). */
  hasRows: boolean;
}

/**
 * The rebuild id of the recompute a replacement starts: named by the newer version, so a
 * repeated event resumes the same recompute.
 * @param fileId the newer version's ledger `file_id`
 */
export function replacementRebuildId(fileId: string): string {
  return `replace-${createHash("sha256").update(fileId).digest("hex").slice(0, 16)}`;
}

/**
 * A landing key ingested again with other bytes is a new version of the file: the older versions
 * are retired (their bronze kept for lineage), and when one of them had bronze rows, the current
 * bronze files of the days either version touched (old ∪ new) are marked for a recompute, which
 * the next run's plan takes as a rebuild of those days: written again from the current bronze,
 * without the retired rows, and a day only the old version covered dropped. An older version
 * whose days the ledger does not hold (recorded since silver consolidates with them) makes the
 * recompute take the whole history, as it did before days were recorded. Idempotent.
 * @param ctx ingest clients and names
 * @param newer the version just ingested
 */
export async function supersede(ctx: IngestContext, newer: NewerVersion): Promise<void> {
  const { dataset, fileId, key, etag } = newer;
  const retired = await io(`retiring older versions of ${key}`, () =>
    retireOlderVersions(ctx.doc, ctx.ledgerTable, { dataset, file_id: fileId, source_key: key, etag }),
  );
  const withRows = retired.filter((entry) => entry.bronze_key);
  if (withRows.length === 0) return;
  const newDays = await daysOf(ctx, newer);
  const oldDays = withRows.every((entry) => entry.partition_days)
    ? withRows.flatMap((entry) => entry.partition_days!)
    : undefined;
  const days = newDays && oldDays ? [...new Set([...oldDays, ...newDays])].sort((a, b) => a - b) : undefined;
  await io(`marking ${dataset} for a recompute after ${key} was replaced`, () =>
    markForRebuild(ctx.doc, ctx.ledgerTable, dataset, {
      rebuildId: replacementRebuildId(fileId),
      recompute: true,
      ...(days ? { days } : {}),
    }),
  );
}

// The days the newer version's rows fall in: none without rows, what its ledger entry recorded,
// or read from its Parquet file while it is on disk (then recorded, for a repeated event). Unknown
// otherwise, or when the dataset has no silver.
async function daysOf(ctx: IngestContext, newer: NewerVersion): Promise<number[] | undefined> {
  if (!newer.hasRows) return [];
  if (newer.entry?.partition_days) return newer.entry.partition_days;
  if (!newer.parquetPath || !newer.spec?.silver) return undefined;
  const { partition } = newer.spec.silver;
  const path = partitionSourcePath(newer.spec);
  const read = await parquetPartitions(await asyncBufferFromFile(newer.parquetPath), path, partition);
  const days = partitionDays(read.partitions, partition);
  await io(`recording the days of ${newer.fileId}`, () =>
    recordPartitionDays(ctx.doc, ctx.ledgerTable, { dataset: newer.dataset, file_id: newer.fileId }, days),
  );
  return days;
}
