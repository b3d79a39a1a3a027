import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { LedgerEntry } from "../ledger/ledger";
import { listPending, markConsolidated, recordPlanFailure } from "../ledger/ledger";

/** What silver needs of a ledger entry (the ledger's own type has more), as a plan carries it. */
export const pendingFileSchema = z.object({
  dataset: z.string(),
  file_id: z.string(),
  /** Set once the file is in bronze; files without it are not ready for silver. */
  bronze_key: z.string().optional(),
  /** Set while the file waits for the recompute a replaced landing file started (its rebuild id). */
  recompute_id: z.string().optional(),
  /** The days (`yyyymmdd`) that recompute takes; absent with `recompute_id`: the whole history. */
  recompute_days: z.array(z.number().int()).optional(),
  /** The days (`yyyymmdd`) the file's rows fall in, once known (ingest tallied them, or a plan read them). */
  partition_days: z.array(z.number().int()).optional(),
  /**
   * The bronze object's ETag as ingest wrote it: while the object has it, its days are
   * `partition_days` and its rows these two counts, and planning reads none of it.
   */
  bronze_etag: z.string().optional(),
  bronze_rows: z.number().int().nonnegative().optional(),
  bronze_rows_without_timestamp: z.number().int().nonnegative().optional(),
  /** Failed runs whose plan held the file (the ledger's counter); absent when none. */
  failures: z.number().int().nonnegative().optional(),
});

/** What silver needs of a ledger entry. */
export type PendingFile = z.infer<typeof pendingFileSchema>;

/**
 * The pending files a plan may take, oldest first, so that a failure from one file's data never
 * blocks the rest. Files that never failed are planned together, without the suspects (files
 * whose plan failed). When only suspects remain, those that failed least are halved: the first
 * half is planned, the rest wait. A failing half fails again and is halved in turn, a passing
 * half is consolidated, so a poison file ends alone within a few plans (a binary search over
 * the failed plan), and fails alone: the failure path then sets it aside.
 * @param pending the pending files, oldest first
 * @returns the files to plan from, and whether files were held back (more remain)
 * @example plannableFiles([{ ..., failures: 1 }, { ..., failures: 1 }]) // the first alone, heldBack
 */
export function plannableFiles<E extends PendingFile>(pending: E[]): { files: E[]; heldBack: boolean } {
  const failuresOf = (entry: E): number => entry.failures ?? 0;
  const fewest = Math.min(...pending.map(failuresOf));
  const least = pending.filter((entry) => failuresOf(entry) === fewest);
  const files = fewest === 0 ? least : least.slice(0, Math.ceil(least.length / 2));
  return { files, heldBack: files.length < pending.length };
}

/**
 * The ledger port silver uses: the bronze files not yet consolidated, and marking them done.
 * The DynamoDB ledger (`@medallion/core/store`) fits it through a two-line adapter.
 */
export interface SilverLedger<E extends PendingFile = PendingFile> {
  /** Files of a dataset in bronze and not yet in silver. @param dataset dataset name */
  listPending(dataset: string): Promise<E[]>;
  /** Marks files consolidated into a silver version; idempotent. @param entries files @param silverVersion version id */
  markConsolidated(entries: PendingFile[], silverVersion: string): Promise<void>;
  /**
   * Counts a failure to read the file's bronze object while planning (its own fault: the object
   * is corrupt or empty), setting it aside on the second. Without it, such a failure fails the plan.
   * @param entry the file @param error what the read said
   * @returns true when this call set the file aside
   */
  recordReadFailure?(entry: PendingFile, error: string): Promise<boolean>;
}

/**
 * The DynamoDB ledger (`@medallion/core/store`) as silver's ledger port.
 * @param options document client and physical table name
 */
export function dynamoSilverLedger({
  doc,
  table,
}: {
  doc: DynamoDBDocumentClient;
  table: string;
}): SilverLedger<LedgerEntry> {
  return {
    listPending: (dataset) => listPending(doc, table, dataset),
    markConsolidated: (entries, silverVersion) => markConsolidated(doc, table, entries, { silverVersion }),
    recordReadFailure: async (entry, error) =>
      (await recordPlanFailure(doc, table, [entry], { error, step: "plan" })).length > 0,
  };
}
