import type { CommitSilverOptions } from "./commit";
import { recordSuperseded } from "./retention";
import { resolveTarget } from "./target";

/** What {@link rollBackSilver} did to the catalog. */
export interface SilverRollback {
  /** Partitions pointed back at the location they had before the plan. */
  restored: number;
  /** Partitions the plan created, removed again. */
  dropped: number;
}

/**
 * Undoes a plan's silver commit when the run fails after it (in gold): each partition points
 * back at its location before the plan (a day the plan dropped comes back too), and each
 * partition the plan created is dropped. Without it a file whose rows break gold would stay in
 * silver, and every re-plan of the run would fail on the same rows. The plan's ledger entries
 * are still pending (only the finish after gold marks them), so the next plan takes them again.
 * The plan's own files are recorded as superseded, for retention to delete. Idempotent, and a
 * no-op on the catalog when the commit never ran.
 * @param options the failed plan, its spec, S3 client, catalog, buckets and tables
 * @returns how many partitions were restored and dropped
 * @example await rollBackSilver({ plan, spec, s3, catalog, buckets, tables })
 */
export async function rollBackSilver({
  plan,
  spec,
  s3,
  catalog,
  buckets,
  tables,
  now = new Date(),
}: Omit<CommitSilverOptions, "rowsWritten">): Promise<SilverRollback> {
  if (plan.version === null || plan.partitions.length === 0) return { restored: 0, dropped: 0 };
  const target = resolveTarget({ spec, bucket: buckets.silver, table: tables.silver, catalog, s3 });
  const restored = plan.partitions.flatMap((p) => (p.previous ? [{ values: p.values, location: p.previous }] : []));
  const created = plan.partitions.filter((p) => !p.previous).map((p) => p.values);
  // Marked before the swap, as a commit marks what it replaces: expiry keeps a location the catalog still names.
  await recordSuperseded({
    s3,
    bucket: target.bucket,
    dataset: target.root,
    partitions: plan.partitions.filter((p) => !p.dropped).map(({ values, location }) => ({ values, location })),
    at: now,
  });
  await target.catalog.swap(target.table, restored);
  await target.catalog.drop(target.table, created);
  return { restored: restored.length, dropped: created.length };
}
