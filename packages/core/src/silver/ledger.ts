import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { LedgerEntry } from "../ledger/ledger";
import { listPending, markConsolidated, SUSPECT_FAILURES } from "../ledger/ledger";

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
  /** The days (`yyyymmdd`) the file's rows fall in, once known (a plan read them, or a replace did). */
  partition_days: z.array(z.number().int()).optional(),
  /** Failed runs whose plan held the file (the ledger's counter); absent when none. */
  failures: z.number().int().nonnegative().optional(),
});

/** What silver needs of a ledger entry. */
export type PendingFile = z.infer<typeof pendingFileSchema>;

/**
 * The pending files a plan may take, oldest first: a file that failed {@link SUSPECT_FAILURES}
 * times with others is suspect, so the others are planned first without the suspects, and a
 * suspect is planned only alone (if it fails alone, the failure path sets it aside). A failure
 * from one file's data thus never blocks the rest.
 * @param pending the pending files, oldest first
 * @returns the files to plan from, and whether suspects were held back (more remain)
 */
export function plannableFiles<E extends PendingFile>(pending: E[]): { files: E[]; heldBack: boolean } {
  const suspect = (entry: E) => (entry.failures ?? 0) >= SUSPECT_FAILURES;
  const others = pending.filter((entry) => !suspect(entry));
  if (others.length === pending.length) return { files: pending, heldBack: false };
  if (others.length > 0) return { files: others, heldBack: true };
  return { files: pending.slice(0, 1), heldBack: pending.length > 1 };
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
  };
}
