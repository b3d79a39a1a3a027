import { createHash } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import * as z from "zod";
import type { DatasetSpec } from "../dataset/spec";
import { eachLimit } from "../dynamo/request";
import { normaliseEtag } from "../ingest/keys";
import { athena, chunksOf, stepFunctions, utf8Bytes } from "../limits/index";
import type { Statement, TableRef } from "../sql/ast";
import { renderAthena } from "../sql/athena";
import type { PartitionCatalog } from "./catalog";
import { catalogColumns, partitionSourcePath, silverColumns, silverSpecOf } from "./columns";
import { BronzeReadError, SilverPlanTooLargeError } from "./errors";
import type { PendingFile, SilverLedger } from "./ledger";
import { pendingFileSchema, plannableFiles } from "./ledger";
import {
  deleteObjects,
  FOOTER_FETCH_BYTES,
  listObjects,
  objectInfo,
  ParsedObjectCache,
  putObject,
  rangedBuffer,
} from "./objects";
import type { ColumnPartitions } from "./partition";
import {
  parquetPartitions,
  partitionDays,
  partitionKey,
  partitionOfDay,
  partitionOrdinal,
  partitionPath,
} from "./partition";
import { consolidationStatement } from "./query";
import type { SilverRebuild } from "./rebuild";
import { inRebuildRange, rebuiltPartitions, silverRebuildSchema } from "./rebuild";
import type { PartitionSpec } from "./spec";
import { resolveTarget } from "./target";
import { versionId, versionPrefix } from "./version";

/** Buckets and tables silver reads and writes. */
export interface SilverLake {
  buckets: { bronze: string; silver: string };
  tables: { bronze: TableRef; silver: TableRef };
}

/** A partition the plan rewrites: its values, its new location, and the one it replaces. */
export const plannedPartitionSchema = z.object({
  values: z.record(z.string(), z.number()),
  location: z.string(),
  previous: z.string().optional(),
  /**
   * Dropped from the catalog instead (its `location` is then its current one): a day a
   * recompute took that no current bronze file covers any more. Gold recomputes its windows.
   */
  dropped: z.literal(true).optional(),
});

/** A partition the plan rewrites. */
export type PlannedPartition = z.infer<typeof plannedPartitionSchema>;

// Statement trees are produced by planSilver and only rendered, never interpreted, downstream.
const statementSchema = z.custom<Statement>(
  (value) => typeof value === "object" && value !== null && typeof (value as { kind?: unknown }).kind === "string",
  { message: "expected a statement tree (an object with a kind)" },
);

/** What a consolidation will do. Plain JSON, stored in S3 between the pipeline's states. */
export const silverPlanSchema = z.object({
  dataset: z.string().min(1),
  /** Version id, or null when nothing is pending. */
  version: z.string().nullable(),
  /** Ledger entries consolidated by this plan. */
  files: z.array(pendingFileSchema),
  /** Bronze rows read, and those among them without a usable partition timestamp. */
  rowsIn: z.number().int().nonnegative(),
  rowsWithoutTimestamp: z.number().int().nonnegative(),
  partitions: z.array(plannedPartitionSchema),
  /**
   * Statements to run in order (the engine renders them in its dialect): each writes at most
   * Athena's 100 partitions, into its own folder of the version.
   */
  statements: z.array(statementSchema),
  /** More files are pending than this plan takes: plan again after this one. */
  more: z.boolean(),
  /** The rebuild this plan is part of, if any. */
  rebuild: silverRebuildSchema.optional(),
});

/** What a consolidation will do, over ledger entries of type `E` (what the ledger listed). */
export type SilverPlan<E extends PendingFile = PendingFile> = Omit<z.infer<typeof silverPlanSchema>, "files"> & {
  files: E[];
};

/**
 * The plan as the state machine carries it: a reference to the plan stored in S3 and what the
 * states branch on, nothing that grows with the backlog (Step Functions caps a state at 256 KB).
 */
export const silverPlanPayloadSchema = z.object({
  dataset: z.string().min(1),
  version: z.string().nullable(),
  /** Key of the stored plan in the lake's silver bucket ({@link saveSilverPlan}). */
  plan_key: z.string().min(1),
  /** Database the plan's queries run in (their QueryExecutionContext). */
  database: z.string().min(1),
  /** How many ledger entries and partitions the plan takes. */
  file_count: z.number().int().nonnegative(),
  partition_count: z.number().int().nonnegative(),
  /** Indexes of the plan's statements, in order: the query state runs one per item. */
  queries: z.array(z.number().int().nonnegative()),
  more: z.boolean(),
  /** When silver's work began: the start of the journey step the pipeline records. */
  planned_at: z.string(),
});

/** The plan as the state machine carries it. */
export type SilverPlanPayload = z.infer<typeof silverPlanPayloadSchema>;

/** Options of {@link planSilver}. */
export interface PlanSilverOptions<E extends PendingFile> extends SilverLake {
  spec: DatasetSpec;
  ledger: SilverLedger<E>;
  s3: S3Client;
  catalog: PartitionCatalog;
  /**
   * At most this many files per plan (oldest first), so a backlog is taken in several plans
   * rather than failing forever.
   */
  maxFiles?: number;
  /**
   * At most this many bytes of Athena text per statement: each crosses a Step Functions state
   * (256 KB) on its way to Athena. Files are also capped by the bytes their URIs take.
   */
  maxQueryBytes?: number;
  /**
   * A rebuild: only partitions of its range are rewritten, and a partition it has not rewritten
   * yet is written from bronze alone (not unioned with its current rows).
   */
  rebuild?: SilverRebuild;
}

/** Files a plan takes by default. */
const MAX_FILES_PER_PLAN = 200;

/** Athena text a statement may take: half a state, so the query state's input and an error's cause fit. */
export const MAX_PLAN_QUERY_BYTES = stepFunctions.maxStateBytes / 2;

const ingestDateOf = (key: string): string | undefined => /(?:^|\/)ingest_date=([^/]+)\//.exec(key)?.[1];

/** Pending files whose bronze objects planning checks or reads at once. */
const FILES_READ_AT_ONCE = 4;

// The partitions and row counts of a pending file's bronze rows. Ingest recorded them with the
// object's ETag: while a HEAD finds the object with that ETag they are what reading it would
// give, and nothing of it is read. Otherwise (an entry written before they were recorded, a
// file of more days than an entry holds, an object replaced since) the footer and the partition
// column are read (ranged GETs). A missing or unreadable object is a BronzeReadError either way.
async function readFileRows(
  s3: S3Client,
  bucket: string,
  entry: PendingFile,
  path: string[],
  partition: PartitionSpec,
): Promise<ColumnPartitions> {
  const key = entry.bronze_key!;
  try {
    const object = await objectInfo(s3, bucket, key);
    const recorded = recordedRows(entry, partition);
    if (recorded && object.etag !== undefined && normaliseEtag(object.etag) === entry.bronze_etag) return recorded;
    return await parquetPartitions(rangedBuffer(s3, bucket, object), path, partition, {
      initialFetchSize: FOOTER_FETCH_BYTES,
    });
  } catch (error) {
    throw new BronzeReadError(
      `cannot read column ${path.join(".")} of bronze file s3://${bucket}/${key}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

// What ingest recorded of a file's bronze object, as a read of it would give it; none when it did not.
function recordedRows(entry: PendingFile, partition: PartitionSpec): ColumnPartitions | undefined {
  const { bronze_etag, partition_days, bronze_rows, bronze_rows_without_timestamp } = entry;
  if (!bronze_etag || !partition_days || bronze_rows === undefined || bronze_rows_without_timestamp === undefined)
    return undefined;
  return {
    partitions: partition_days.map((day) => partitionOfDay(day, partition)),
    rows: bronze_rows,
    withoutTimestamp: bronze_rows_without_timestamp,
  };
}

/**
 * Plans a consolidation: the pending bronze files, the partitions their rows fall in, where
 * those partitions live now, a version id, and the statement that writes the new version.
 * Leftovers of an interrupted attempt at the same version are removed (nothing points at them).
 * A new file's days and row counts are those ingest recorded in its ledger entry, checked
 * against its bronze object by a HEAD; only a file without them has its partition column read.
 * Cost follows the new files.
 * @param options spec, ledger, S3 client, catalog, buckets and tables
 * @example const plan = await planSilver({ spec: carTelemetry, ledger, s3, catalog, buckets, tables });
 */
export async function planSilver<E extends PendingFile>({
  spec,
  ledger,
  s3,
  catalog,
  buckets,
  tables,
  maxFiles = MAX_FILES_PER_PLAN,
  maxQueryBytes = MAX_PLAN_QUERY_BYTES,
  rebuild,
}: PlanSilverOptions<E>): Promise<SilverPlan<E>> {
  const silver = silverSpecOf(spec);
  for (;;) {
    const listed = (await ledger.listPending(spec.name)).filter((entry) => entry.bronze_key);
    // Files whose plans failed are held back or bisected (the failure path sets a lone failing one aside).
    const { files: pending, heldBack } = plannableFiles(listed);
    // A replaced landing file marked the current bronze files of the days either version touched
    // for a recompute: this run is that rebuild, over those days (every recompute pending at once:
    // the union of their days, or the whole history when one of them does not know its days).
    const recomputing = rebuild ? [] : listed.filter((entry) => entry.recompute_id);
    const run = recomputing.length
      ? {
          id: recomputing[0]!.recompute_id!,
          ...(recomputing.every((entry) => entry.recompute_days)
            ? { days: [...new Set(recomputing.flatMap((entry) => entry.recompute_days!))].sort((a, b) => a - b) }
            : {}),
        }
      : rebuild;
    // Oldest first, within the file cap and the bytes their URIs take in a statement's text.
    let taken = 0;
    let uriBytes = 0;
    while (taken < Math.min(maxFiles, pending.length)) {
      const size = utf8Bytes(bronzeUri(buckets.bronze, pending[taken]!)) + 4;
      if (taken > 0 && uriBytes + size > maxQueryBytes / 2) break;
      uriBytes += size;
      taken += 1;
    }
    const path = partitionSourcePath(spec);
    const files = pending.slice(0, taken);
    const outcomes: ({ rows: ColumnPartitions } | { error: unknown })[] = new Array(files.length);
    await eachLimit(files, FILES_READ_AT_ONCE, async (entry, i) => {
      try {
        outcomes[i] = { rows: await readFileRows(s3, buckets.bronze, entry, path, silver.partition) };
      } catch (error) {
        outcomes[i] = { error };
      }
    });
    const read: FileRows<E>[] = [];
    // A file whose bronze object cannot be read (missing, corrupt, empty) is its own failure:
    // counted on it (set aside the second time) and left out of this plan, so it never fails the others'.
    let unreadable = 0;
    for (const [i, entry] of files.entries()) {
      const outcome = outcomes[i]!;
      if ("rows" in outcome) {
        read.push({ entry, ...outcome.rows });
        continue;
      }
      const { error } = outcome;
      if (!ledger.recordReadFailure || !isFileFault(error)) throw error;
      await ledger.recordReadFailure(entry, `${(error as Error).name}: ${(error as Error).message}`);
      unreadable += 1;
    }
    // Every file taken was unreadable: plan again (each is now counted; none is read a third time).
    if (unreadable > 0 && read.length === 0) continue;
    return await fittingPlan({
      spec,
      s3,
      catalog,
      buckets,
      tables,
      read,
      more: heldBack || unreadable > 0 || pending.length > taken,
      ...(run ? { rebuild: run } : {}),
      maxQueryBytes,
    });
  }
}

// The plan of the files read, taking fewer while its statements would not fit (one file always
// fits, or the error says why); `more` when files remain besides those read.
async function fittingPlan<E extends PendingFile>({
  read,
  more,
  maxQueryBytes,
  ...lake
}: PlanFilesOptions<E> & { maxQueryBytes: number }): Promise<SilverPlan<E>> {
  for (let count = read.length; ; count = Math.ceil(count / 2)) {
    const plan = await planFiles({ ...lake, read: read.slice(0, count), more: more || read.length > count });
    const tooLong = plan.statements
      .map((statement) => utf8Bytes(renderAthena(statement)))
      .find((bytes) => bytes > maxQueryBytes);
    if (tooLong === undefined) return plan;
    if (count === 1)
      throw new SilverPlanTooLargeError(
        `dataset ${lake.spec.name}: a statement for one bronze file (${read[0]!.entry.bronze_key}) is ${tooLong} bytes of Athena text, over the ${maxQueryBytes} a plan may carry`,
      );
  }
}

// A read failure is the file's own when its object is missing or its bytes are not Parquet; an
// AWS service error (throttling, a denied call, a 5xx) says nothing of the file and fails the plan.
function isFileFault(error: unknown): boolean {
  if (!(error instanceof BronzeReadError)) return false;
  const cause = error.cause as { name?: string; $metadata?: unknown } | undefined;
  return cause?.$metadata === undefined || cause.name === "NoSuchKey" || cause.name === "NotFound";
}

/** A pending file as planning read it: the partitions its rows fall in, and its row counts. */
interface FileRows<E> {
  entry: E;
  partitions: Record<string, number>[];
  rows: number;
  withoutTimestamp: number;
}

const bronzeUri = (bucket: string, entry: PendingFile): string => `s3://${bucket}/${entry.bronze_key}`;

// What a plan of some files is made from: the lake, the files as read, whether more remain.
type PlanFilesOptions<E extends PendingFile> = SilverLake & {
  spec: DatasetSpec;
  s3: S3Client;
  catalog: PartitionCatalog;
  read: FileRows<E>[];
  more: boolean;
  rebuild?: SilverRebuild;
};

// The plan of some files: their partitions in time order, a version, and one statement per
// run of at most Athena's 100 partitions, each into its own folder of the version.
async function planFiles<E extends PendingFile>({
  spec,
  s3,
  catalog,
  buckets,
  tables,
  read,
  more,
  rebuild,
}: PlanFilesOptions<E>): Promise<SilverPlan<E>> {
  const silver = silverSpecOf(spec);
  // Each file carries the days its rows fall in: the ledger records them when it is consolidated.
  const files = read.map((r) => ({ ...r.entry, partition_days: partitionDays(r.partitions, silver.partition) }));
  const rowsIn = read.reduce((n, r) => n + r.rows, 0);
  const rowsWithoutTimestamp = read.reduce((n, r) => n + r.withoutTimestamp, 0);
  const empty: SilverPlan<E> = {
    dataset: spec.name,
    version: null,
    files,
    rowsIn,
    rowsWithoutTimestamp,
    partitions: [],
    statements: [],
    more,
    ...(rebuild ? { rebuild } : {}),
  };
  const inRange = (values: Record<string, number>) => !rebuild || inRebuildRange(values, silver.partition, rebuild);
  const affected = new Map<string, Record<string, number>>();
  // A recompute's days are rewritten from bronze; a file it did not mark (new since) is
  // consolidated as usual, on every day it touches.
  for (const r of read)
    for (const values of r.partitions)
      if (inRange(values) || (rebuild?.days && !r.entry.recompute_id)) affected.set(partitionKey(values), values);
  // A rebuild unions only with the partitions it has already rewritten; the others' rows are what it replaces.
  const rebuilt = rebuild
    ? await rebuiltPartitions({ s3, bucket: buckets.silver, dataset: spec.name, id: rebuild.id })
    : undefined;
  // The last plan of a recompute: a day it took that neither it nor an earlier plan of it
  // rewrote has no current bronze file any more (only the retired version covered it).
  const uncovered =
    rebuild?.days && !more
      ? rebuild.days
          .map((day) => partitionOfDay(day, silver.partition))
          .filter((values) => !affected.has(partitionKey(values)) && !rebuilt!.has(partitionKey(values)))
      : [];
  if (affected.size === 0 && uncovered.length === 0) return empty;

  const valuesList = [...affected.values()].sort(
    (a, b) => partitionOrdinal(a, silver.partition) - partitionOrdinal(b, silver.partition),
  );
  const target = resolveTarget({ spec, bucket: buckets.silver, table: tables.silver, catalog, s3 });
  const [current, stale] = await Promise.all([
    target.catalog.locate(target.table, valuesList),
    target.catalog.locate(target.table, uncovered),
  ]);
  const dropped: PlannedPartition[] = uncovered.flatMap((values, i) =>
    stale[i] ? [{ values, location: stale[i], previous: stale[i], dropped: true as const }] : [],
  );
  if (valuesList.length === 0 && dropped.length === 0) return empty;
  // A compatible change applied by this run (a new field, a derived column, a rename's earlier
  // name) reaches the table's columns before the plan's statements read its existing partitions
  // through it, and before the commit swaps partitions in (each copies the table's columns).
  await target.catalog.addColumns(target.table, catalogColumns(silverColumns(spec).data));
  const version = versionId({
    dataset: spec.name,
    // A rebuild writes other rows than a normal plan of the same files: another version.
    files: [...files.map((f) => f.file_id), ...(rebuild ? [`rebuild#${rebuild.id}`] : [])],
    current: [
      ...valuesList.map((values, i): [string, string | undefined] => [partitionKey(values), current[i]]),
      ...dropped.map((p): [string, string | undefined] => [`drop:${partitionKey(p.values)}`, p.previous]),
    ],
  });
  const leftovers = await listObjects(s3, target.bucket, versionPrefix(target.root, version));
  await deleteObjects(
    s3,
    target.bucket,
    leftovers.map((o) => o.key),
  );

  const bronzeKeys = files.map((f) => f.bronze_key!);
  const bronze = {
    table: tables.bronze,
    uris: files.map((f) => bronzeUri(buckets.bronze, f)),
    ingestDates: [...new Set(bronzeKeys.map(ingestDateOf).filter((d) => d !== undefined))].sort(),
  };
  const runs = chunksOf(
    valuesList.map((values, i) => ({ values, previous: current[i] })),
    athena.maxPartitionsPerWrite,
  );
  const partitions: PlannedPartition[] = [];
  const statements: Statement[] = runs.map((run, n) => {
    const to = `s3://${target.bucket}/${versionPrefix(target.root, version)}q${n}/`;
    const planned = run.map(({ values, previous }) => ({
      values,
      location: `${to}${partitionPath(values)}/`,
      ...(previous ? { previous } : {}),
    }));
    partitions.push(...planned);
    const ordinals = run.map(({ values }) => partitionOrdinal(values, silver.partition));
    return consolidationStatement({
      spec,
      bronze,
      silver: {
        table: target.table,
        existing: planned
          .filter((p) => p.previous && (!rebuilt || rebuilt.has(partitionKey(p.values)) || !inRange(p.values)))
          .map((p) => ({ values: p.values, location: p.previous! })),
      },
      to,
      // One statement covers every new row; several split them by partition, as does a rebuild's range.
      ...(runs.length > 1 || rebuild?.from || rebuild?.to
        ? { ordinals: { from: ordinals[0]!, to: ordinals.at(-1)! } }
        : {}),
      // A recompute's days need not be consecutive: its rows of other days stay where they are.
      ...(rebuild?.days ? { days: ordinals } : {}),
    });
  });
  partitions.push(...dropped);
  return { ...empty, version, partitions, statements };
}

// Plans live beside silver's retention markers, outside every table's prefix.
const planKeyOf = (plan: SilverPlan): string =>
  `_plans/${plan.dataset}/${
    plan.version ??
    `none-${createHash("sha256")
      .update(plan.files.map((f) => f.file_id).join("\n"))
      .digest("hex")
      .slice(0, 16)}`
  }.json`;

/**
 * Stores a plan in the lake's silver bucket, where the pipeline's later states read it: the
 * state machine carries only its key. The same plan is always stored under the same key.
 * @param options S3 client, the silver bucket, the plan
 * @returns the plan's key
 */
export async function saveSilverPlan({
  s3,
  bucket,
  plan,
}: {
  s3: S3Client;
  bucket: string;
  plan: SilverPlan;
}): Promise<string> {
  const key = planKeyOf(plan);
  await putObject(s3, bucket, key, JSON.stringify(plan));
  return key;
}

/**
 * Reads a plan {@link saveSilverPlan} stored.
 * @param options S3 client, the silver bucket, the plan's key
 */
export async function loadSilverPlan({
  s3,
  bucket,
  key,
}: {
  s3: S3Client;
  bucket: string;
  key: string;
}): Promise<SilverPlan> {
  return silverPlans.get(s3, bucket, key);
}
const silverPlans = new ParsedObjectCache((json) => silverPlanSchema.parse(json));
