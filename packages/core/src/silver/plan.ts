import type { S3Client } from "@aws-sdk/client-s3";
import { parquetReadObjects } from "hyparquet";
import { z } from "zod";
import type { DatasetSpec } from "../dataset/spec";
import type { Statement, TableRef } from "../sql/ast";
import type { PartitionCatalog } from "./catalog";
import { partitionSourcePath, silverSpecOf } from "./columns";
import { BronzeReadError } from "./errors";
import type { PendingFile, SilverLedger } from "./ledger";
import { pendingFileSchema } from "./ledger";
import { deleteObjects, getBytes, listObjects } from "./objects";
import { partitionKey, partitionOf } from "./partition";
import { consolidationStatement } from "./query";
import { resolveTarget } from "./target";
import { partitionLocation, versionId, versionPrefix } from "./version";

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
});

/** A partition the plan rewrites. */
export type PlannedPartition = z.infer<typeof plannedPartitionSchema>;

// Statement trees are produced by planSilver and only rendered, never interpreted, downstream.
const statementSchema = z.custom<Statement>(
  (value) => typeof value === "object" && value !== null && typeof (value as { kind?: unknown }).kind === "string",
  { message: "expected a statement tree (an object with a kind)" },
);

/** What a consolidation will do. Plain JSON, so it can cross Step Functions states. */
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
  /** Statements to run in order (the engine renders them in its dialect). */
  statements: z.array(statementSchema),
  /** More files are pending than this plan takes: plan again after this one. */
  more: z.boolean(),
});

/** What a consolidation will do, over ledger entries of type `E` (what the ledger listed). */
export type SilverPlan<E extends PendingFile = PendingFile> = Omit<z.infer<typeof silverPlanSchema>, "files"> & {
  files: E[];
};

/**
 * The plan as the state machine carries it from the plan task to commit and finish: ledger
 * entries trimmed to what they need (Step Functions caps the state at 256 KB), the statements
 * rendered as the Athena SQL its query state runs, and when planning began.
 */
export const silverPlanPayloadSchema = silverPlanSchema.extend({
  queries: z.array(z.string()),
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
   * At most this many files per plan (oldest first): a plan crosses Step Functions states
   * (256 KB) and its statement is an Athena query (256 KB of text), so a backlog is taken in
   * several plans rather than failing forever.
   */
  maxFiles?: number;
}

/** Files a plan takes by default: about 140 KB of plan state. */
const MAX_FILES_PER_PLAN = 200;

const ingestDateOf = (key: string): string | undefined => /(?:^|\/)ingest_date=([^/]+)\//.exec(key)?.[1];

// The partition timestamp of every row: a top-level column, or a struct's field (`properties.time`).
async function readPartitionColumn(s3: S3Client, bucket: string, key: string, path: string[]): Promise<unknown[]> {
  try {
    const bytes = await getBytes(s3, bucket, key);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const rows = await parquetReadObjects({ file, columns: [path[0]!] });
    return rows.map((row) =>
      path.reduce<unknown>((value, step) => (value as Record<string, unknown> | null)?.[step], row),
    );
  } catch (error) {
    throw new BronzeReadError(
      `cannot read column ${path.join(".")} of bronze file s3://${bucket}/${key}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Plans a consolidation: the pending bronze files, the partitions their rows fall in, where
 * those partitions live now, a version id, and the statement that writes the new version.
 * Leftovers of an interrupted attempt at the same version are removed (nothing points at them).
 * Reads only the partition column of the new files: cost follows the new data.
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
}: PlanSilverOptions<E>): Promise<SilverPlan<E>> {
  const silver = silverSpecOf(spec);
  const pending = (await ledger.listPending(spec.name)).filter((entry) => entry.bronze_key);
  const files = pending.slice(0, maxFiles);
  const more = pending.length > files.length;
  const empty: SilverPlan<E> = {
    dataset: spec.name,
    version: null,
    files: [],
    rowsIn: 0,
    rowsWithoutTimestamp: 0,
    partitions: [],
    statements: [],
    more,
  };
  if (files.length === 0) return empty;

  const affected = new Map<string, Record<string, number>>();
  let rowsIn = 0;
  let rowsWithoutTimestamp = 0;
  const timestampPath = partitionSourcePath(spec);
  for (const entry of files) {
    for (const value of await readPartitionColumn(s3, buckets.bronze, entry.bronze_key!, timestampPath)) {
      rowsIn += 1;
      const values = partitionOf(value, silver.partition);
      if (values) affected.set(partitionKey(values), values);
      else rowsWithoutTimestamp += 1;
    }
  }
  const keys = [...affected.keys()].sort();
  if (keys.length === 0) return { ...empty, files, rowsIn, rowsWithoutTimestamp };

  const valuesList = keys.map((key) => affected.get(key)!);
  const target = resolveTarget({ spec, bucket: buckets.silver, table: tables.silver, catalog, s3 });
  const current = await target.catalog.locate(target.table, valuesList);
  const version = versionId({
    dataset: spec.name,
    files: files.map((f) => f.file_id),
    current: keys.map((key, i) => [key, current[i]]),
  });
  const leftovers = await listObjects(s3, target.bucket, versionPrefix(target.root, version));
  await deleteObjects(
    s3,
    target.bucket,
    leftovers.map((o) => o.key),
  );

  const partitions: PlannedPartition[] = valuesList.map((values, i) => ({
    values,
    location: partitionLocation(target.bucket, target.root, version, values),
    ...(current[i] ? { previous: current[i] } : {}),
  }));
  const bronzeKeys = files.map((f) => f.bronze_key!);
  const statement = consolidationStatement({
    spec,
    bronze: {
      table: tables.bronze,
      uris: bronzeKeys.map((key) => `s3://${buckets.bronze}/${key}`),
      ingestDates: [...new Set(bronzeKeys.map(ingestDateOf).filter((d) => d !== undefined))].sort(),
    },
    silver: {
      table: target.table,
      existing: partitions.filter((p) => p.previous).map((p) => ({ values: p.values, location: p.previous! })),
    },
    to: `s3://${target.bucket}/${versionPrefix(target.root, version)}`,
  });
  return {
    dataset: spec.name,
    version,
    files,
    rowsIn,
    rowsWithoutTimestamp,
    partitions,
    statements: [statement],
    more,
  };
}
