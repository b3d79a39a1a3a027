import { createHash } from "node:crypto";
import type { PartitionDaySource } from "../bronze/days";
import type { DatasetSpec } from "../dataset/spec";
import type { LedgerEntry } from "../ledger/ledger";
import { markForRebuild, retireOlderVersions } from "../ledger/ledger";
import { partitionSourcePath } from "../silver/columns";
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
  /**
   * The days its bronze rows fall in, tallied while it was converted and recorded in its ledger
   * entry (a fresh ingest of a dataset with silver, see {@link partitionDaySource}); absent on a
   * repeated event.
   */
  days?: number[];
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
  const newDays = daysOf(newer);
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

/**
 * The timestamp whose partition days a conversion tallies for {@link supersede}, or none when the
 * dataset has no silver (nothing to recompute).
 * @param spec the landing object's dataset
 */
export function partitionDaySource(spec: DatasetSpec): PartitionDaySource | undefined {
  return spec.silver ? { path: partitionSourcePath(spec), partition: spec.silver.partition } : undefined;
}

// The days the newer version's rows fall in: none without rows, what its ledger entry recorded
// (on a repeated event), or those its conversion tallied (the entry records them too). Unknown
// otherwise: an entry written before days were recorded, a dataset without silver.
function daysOf(newer: NewerVersion): number[] | undefined {
  if (!newer.hasRows) return [];
  return newer.entry ? newer.entry.partition_days : newer.days;
}
