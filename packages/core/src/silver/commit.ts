import type { S3Client } from "@aws-sdk/client-s3";
import { parquetMetadataAsync } from "hyparquet";
import * as z from "zod";
import type { DatasetSpec } from "../dataset/spec";
import { eachLimit } from "../dynamo/request";
import type { PartitionCatalog } from "./catalog";
import { silverSpecOf } from "./columns";
import { VersionMismatchError } from "./errors";
import type { SilverLedger } from "./ledger";
import type { ObjectInfo } from "./objects";
import { FOOTER_FETCH_BYTES, isDataFile, listObjects, parseS3Uri, rangedBuffer, S3_CONCURRENCY } from "./objects";
import type { SilverLake, SilverPlan } from "./plan";
import { silverPlanPayloadSchema } from "./plan";
import { recordRebuilt } from "./rebuild";
import { expireVersions, recordSuperseded } from "./retention";
import { resolveTarget, silverTargetSchema } from "./target";
import { versionPrefix } from "./version";

/** Options of {@link commitSilver}. */
export interface CommitSilverOptions extends SilverLake {
  plan: SilverPlan;
  spec: DatasetSpec;
  s3: S3Client;
  catalog: PartitionCatalog;
  /**
   * Rows the plan's statements wrote, as the engine reported each (Athena's `UpdateCount` of an
   * UNLOAD): read back from the written files instead, a backfill's 1,600 partitions took longer
   * to count than to write.
   */
  rowsWritten: number;
  /** Clock, for retention; default now. */
  now?: Date;
}

/** Options of {@link finishSilver}: a commit's (but the rows written), and the ledger whose entries it marks. */
export interface FinishSilverOptions extends Omit<CommitSilverOptions, "rowsWritten"> {
  ledger: SilverLedger;
}

/**
 * The commit task's event: the plan as the state machine carries it, and what each of its
 * statements reported (the query state's statistics, with the rows Athena's `UpdateCount` says
 * it wrote).
 */
export const silverCommitEventSchema = z.object({
  plan: silverPlanPayloadSchema,
  queries: z.array(z.object({ Written: z.object({ Rows: z.number().int().nonnegative() }) })),
});

/** The commit task's event. */
export type SilverCommitEvent = z.infer<typeof silverCommitEventSchema>;

/** What a consolidation did: the commit task's result, which the pipeline records on its journey. */
export const silverSummarySchema = z.object({
  dataset: z.string(),
  version: z.string().nullable(),
  files: z.number().int().nonnegative(),
  partitionsRewritten: z.number().int().nonnegative(),
  rowsIn: z.number().int().nonnegative(),
  rowsWithoutTimestamp: z.number().int().nonnegative(),
  /** Rows the rewritten partitions held before, and hold now. */
  rowsBefore: z.number().int().nonnegative(),
  rowsOut: z.number().int().nonnegative(),
  duplicatesRemoved: z.number().int(),
  /** What was written: the catalog table, or the plain S3 path. */
  target: silverTargetSchema,
});

/** What a consolidation did. */
export type SilverSummary = z.infer<typeof silverSummarySchema>;

// Row counts come from Parquet footers: a few KB per file of the affected partitions only.
async function countRows(s3: S3Client, bucket: string, objects: ObjectInfo[]): Promise<number> {
  let rows = 0;
  for (const object of objects)
    rows += Number(
      (await parquetMetadataAsync(rangedBuffer(s3, bucket, object), { initialFetchSize: FOOTER_FETCH_BYTES })).num_rows,
    );
  return rows;
}

async function dataFilesAt(s3: S3Client, location: string): Promise<{ bucket: string; objects: ObjectInfo[] }> {
  const { bucket, key } = parseS3Uri(location);
  return { bucket, objects: (await listObjects(s3, bucket, key)).filter((o) => isDataFile(o.key)) };
}

/** Checks the version holds exactly the planned partitions. */
async function checkVersion(plan: SilverPlan, s3: S3Client, bucket: string, root: string): Promise<void> {
  const prefix = versionPrefix(root, plan.version!);
  const written = new Set<string>();
  for (const object of await listObjects(s3, bucket, prefix))
    if (isDataFile(object.key)) written.add(`s3://${bucket}/${object.key.slice(0, object.key.lastIndexOf("/") + 1)}`);
  const planned = new Set(plan.partitions.filter((p) => !p.dropped).map((p) => p.location));
  const missing = [...planned].filter((location) => !written.has(location));
  const unplanned = [...written].filter((location) => !planned.has(location));
  if (missing.length || unplanned.length) {
    throw new VersionMismatchError(
      `silver version ${plan.version} of ${plan.dataset} does not match its plan; catalog left unchanged. ` +
        `Missing partitions: ${missing.join(", ") || "none"}. Unplanned partitions: ${unplanned.join(", ") || "none"}`,
    );
  }
}

/**
 * Commits a written version: checks it holds exactly the planned partitions, records the
 * replaced locations for retention, and points the catalog at the new ones. The ledger entries
 * stay pending: {@link finishSilver} marks them once gold has merged too, so a run that fails
 * in between is redone whole by the next run instead of leaving gold behind silver. Every step
 * is idempotent, so re-running after a crash at any point ends in the same state.
 * @param options plan, spec, S3 client, catalog, buckets, tables, and the rows the plan's statements wrote
 */
export async function commitSilver({
  plan,
  spec,
  s3,
  catalog,
  buckets,
  tables,
  rowsWritten,
  now = new Date(),
}: CommitSilverOptions): Promise<SilverSummary> {
  const target = resolveTarget({ spec, bucket: buckets.silver, table: tables.silver, catalog, s3 });
  let rowsBefore = 0;
  if (plan.version !== null) {
    await checkVersion(plan, s3, target.bucket, target.root);
    // Only the partitions replaced are read (their footers), a few at a time: cost follows the
    // partitions that held rows before, not the table.
    await eachLimit(plan.partitions, S3_CONCURRENCY, async (partition) => {
      // A re-run after the swap finds the partition at its new location already.
      if (partition.previous && (partition.dropped || partition.previous !== partition.location)) {
        const before = await dataFilesAt(s3, partition.previous);
        // Counted first, then added: `total += await …` would add to a total read before the wait.
        const counted = await countRows(s3, before.bucket, before.objects);
        rowsBefore += counted;
      }
    });
    const replaced = plan.partitions
      .filter((p) => p.previous && (p.dropped || p.previous !== p.location))
      .map((p) => ({ values: p.values, location: p.previous! }));
    await recordSuperseded({ s3, bucket: target.bucket, dataset: target.root, partitions: replaced, at: now });
    await target.catalog.swap(
      target.table,
      plan.partitions.filter((p) => !p.dropped).map(({ values, location }) => ({ values, location })),
    );
    await target.catalog.drop(
      target.table,
      plan.partitions.filter((p) => p.dropped).map((p) => p.values),
    );
  }
  const kept = plan.rowsIn - plan.rowsWithoutTimestamp;
  return {
    dataset: plan.dataset,
    version: plan.version,
    files: plan.files.length,
    partitionsRewritten: plan.partitions.length,
    rowsIn: plan.rowsIn,
    rowsWithoutTimestamp: plan.rowsWithoutTimestamp,
    rowsBefore,
    rowsOut: plan.version === null ? 0 : rowsWritten,
    duplicatesRemoved: plan.version === null ? 0 : kept + rowsBefore - rowsWritten,
    target: target.target,
  };
}

/**
 * Finishes a committed version: marks its ledger entries consolidated, then deletes replaced
 * versions past retention. Idempotent. The pipeline runs it after gold.
 * @param options plan, spec, ledger, S3 client, catalog, buckets, tables, clock
 */
export async function finishSilver({
  plan,
  spec,
  ledger,
  s3,
  catalog,
  buckets,
  tables,
  now = new Date(),
}: FinishSilverOptions): Promise<{ versionsExpired: number }> {
  const { retentionDays } = silverSpecOf(spec);
  const target = resolveTarget({ spec, bucket: buckets.silver, table: tables.silver, catalog, s3 });
  // A rebuild's partitions are recorded as rewritten before its files stop being pending.
  if (plan.rebuild && plan.partitions.length)
    await recordRebuilt({
      s3,
      bucket: buckets.silver,
      dataset: plan.dataset,
      id: plan.rebuild.id,
      partitions: plan.partitions.map((p) => p.values),
    });
  if (plan.files.length) await ledger.markConsolidated(plan.files, plan.version ?? "none");
  const versionsExpired = await expireVersions({
    s3,
    bucket: target.bucket,
    dataset: target.root,
    table: target.table,
    catalog: target.catalog,
    retentionDays,
    now,
  });
  return { versionsExpired };
}
