import type { S3Client } from "@aws-sdk/client-s3";
import * as z from "zod";
import type { DatasetSpec } from "../dataset/spec";
import { silverColumns, yearMonthDayPartitionOf } from "../silver/columns";
import { ParsedObjectCache, putObject } from "../silver/objects";
import { partitionPath } from "../silver/partition";
import type { Dialect, PartitionColumn, Statement, TableRef } from "../sql/ast";
import { column } from "../sql/ast";
import { goldColumns, valueColumns } from "./columns";
import { planChunks, statementText } from "./limits";
import { checkWindowOwnership, goldPartitionOf, ownedRows } from "./scope";
import type { GoldSpec } from "./spec";
import { goldSpecOf } from "./spec";
import type { GoldMerge } from "./statements";
import {
  addColumnStatements,
  createTableStatements,
  duplicateKeysStatement,
  mergeCountsStatement,
  mergeStatement,
} from "./statements";
import { windowsOf } from "./windows";

/**
 * What each statement of a gold plan is for, in the order a plan runs them: `create` the
 * tables; `check` every source's keys (unique, not NULL) before any table is touched; `counts`
 * of what each MERGE will insert, update and delete; the `merge`s; then, per table, the
 * congregado's `count` of rows and its bounded `sample`.
 */
export const goldStepKinds = ["create", "alter", "check", "counts", "merge", "count", "sample"] as const;

/** One of {@link goldStepKinds}. */
export type GoldStepKind = (typeof goldStepKinds)[number];

/** Rows of a gold table's congregado sample: read with a LIMIT, so it fits a state (256 KB) and an item (400 KB). */
export const GOLD_SAMPLE_ROWS = 100;

/** Most offending keys a failed check names. */
const CHECK_ROWS = 10;

const statementSchema = z.custom<Statement>(
  (value) => typeof value === "object" && value !== null && typeof (value as { kind?: unknown }).kind === "string",
  { message: "expected a SQL statement tree" },
);

const tableRefSchema = z.object({ database: z.string().min(1), name: z.string().min(1) });

/** A stored gold plan: every statement of one merge, in order, and what each one is for. */
export const goldPlanSchema = z.object({
  dataset: z.string().min(1),
  /** Gold database: the statements' QueryExecutionContext. */
  database: z.string().min(1),
  silver: tableRefSchema,
  /** Per gold table in spec order: windows recomputed, MERGE statements, the silver partitions it came from. */
  tables: z.array(
    z.object({
      name: z.string().min(1),
      key: z.array(z.string()),
      windows: z.number().int().nonnegative(),
      merges: z.number().int().nonnegative(),
      origins: z.array(z.string()),
    }),
  ),
  steps: z.array(z.object({ kind: z.enum(goldStepKinds), table: z.string().min(1), statement: statementSchema })),
  /**
   * The schema version the plan brings the tables to, and the index of the first step after its
   * ALTERs: once that step is reached (or the plan finished), the version is recorded as applied
   * to the tables, so later plans add no column again. Null when the tables are already at it.
   */
  schema: z
    .object({ version: z.number().int().positive(), applied_before: z.number().int().nonnegative() })
    .nullable()
    .default(null),
});

/** A gold plan (see {@link goldPlanSchema}). */
export type GoldPlan = z.infer<typeof goldPlanSchema>;

/** One step of a gold plan. */
export type GoldStep = GoldPlan["steps"][number];

/** The gold plan as the state machine carries it: its key and its statements' indexes, never the statements. */
export const goldPlanPayloadSchema = z.object({
  dataset: z.string().min(1),
  /** Key of the stored plan in the lake's silver bucket ({@link saveGoldPlan}). */
  plan_key: z.string().min(1),
  /** Database the statements run in (their QueryExecutionContext). */
  database: z.string().min(1),
  /** Indexes of the plan's statements, in order: the query states run one per item. */
  steps: z.array(z.number().int().nonnegative()),
});

/** What PlanGold returns to the state machine. */
export type GoldPlanPayload = z.infer<typeof goldPlanPayloadSchema>;

/** A silver partition a run rewrote: a plan's partition (`{ values, … }`) or its values alone. */
export type AffectedPartition = { values: Record<string, string | number> } | Record<string, string | number>;

/** Options of {@link planGold}. */
export interface PlanGoldOptions {
  /** The dataset: its name and silver partition columns. */
  spec: DatasetSpec;
  /** Its gold tables; default the spec's `gold` section. */
  gold?: GoldSpec;
  /** Silver partitions the run rewrote: the silver plan's partitions, or just their values (either form, mixed too). */
  partitions: readonly AffectedPartition[];
  /** The silver table the engine reads (`silver.<dataset>` locally, the Glue table on AWS). */
  silver: TableRef;
  /** Dialect the statements are measured in against Athena's limits. */
  dialect: Dialect;
  /** Gold database; default the gold spec's, else `gold`. */
  database?: string;
  /** Athena only: `s3://bucket/prefix/` under which each table lives at `<database>/<table>/`. */
  warehouse?: string;
  maxPartitionsPerStatement?: number;
  maxQueryBytes?: number;
  /** Rows of each table's congregado sample (default {@link GOLD_SAMPLE_ROWS}). */
  sampleLimit?: number;
  /**
   * The columns each gold table has now, by table, as the catalog has them
   * (`glueGoldColumns`, `engineGoldColumns`): a column of the spec missing there gets an ALTER step; a table
   * missing there is created whole. Read from the tables, not the schema versions, so an ALTER
   * that ran before a crash (its version not yet recorded) is not run again: Iceberg's ADD
   * COLUMNS refuses a column it has. Undefined: no ALTER (the tables are created whole).
   */
  tableColumns?: Record<string, readonly string[]>;
  /** The schema version the run works under (CheckSchema's), recorded as applied to the tables once the ALTERs ran. */
  schemaVersion?: { version: number; tablesAt: number | null };
}

const valuesOf = (partition: AffectedPartition): Record<string, string | number> =>
  typeof partition.values === "object" && partition.values !== null
    ? (partition.values as Record<string, string | number>)
    : (partition as Record<string, string | number>);

/**
 * Plans a gold merge: per table, the windows (months or days) the affected silver partitions
 * fall in, cut into MERGE statements that write at most Athena's 100 partitions and stay under
 * its 262,144 bytes of text; and around them the statements that create the tables, check
 * their sources' keys, count what each MERGE does, and read each table's congregado (its row
 * count and a sample, both bounded: neither reads the table whole). Nothing runs here; a bad
 * spec fails here, before any statement runs.
 * @param options spec, affected partitions, silver table, dialect, gold location and limits
 * @example const plan = planGold({ spec: carTelemetry, partitions: silverPlan.partitions, silver, dialect: "athena", warehouse: "s3://gold/" });
 */
export function planGold({
  spec,
  gold = goldSpecOf(spec),
  partitions,
  silver,
  dialect,
  database = gold.database ?? "gold",
  warehouse,
  maxPartitionsPerStatement,
  maxQueryBytes,
  sampleLimit = GOLD_SAMPLE_ROWS,
  tableColumns,
  schemaVersion,
}: PlanGoldOptions): GoldPlan {
  const affected = partitions.map(valuesOf);
  // Athena reads silver's files through the Glue table, which keeps a renamed column's earlier
  // name: the aggregates read both. DuckDB reads silver's view, which already shows the new name only.
  const renamedSilver = gold.tables.length && dialect === "athena" ? silverColumnsRead(spec) : undefined;
  const creates: GoldStep[] = [];
  const checks: GoldStep[] = [];
  const counts: GoldStep[] = [];
  const merges: GoldStep[] = [];
  const congregados: GoldStep[] = [];
  const tables: GoldPlan["tables"] = [];
  for (const table of gold.tables) {
    // Asked per table, so a spec without gold tables never needs year/month/day partitions.
    const partition = yearMonthDayPartitionOf(spec);
    goldColumns(table);
    checkWindowOwnership(table, partition);
    const windows = windowsOf(affected, table.window, partition);
    // The MERGE and its counts each carry the recomputation once: the longest must fit.
    const render = (part: typeof windows): string => {
      const merge: GoldMerge = { table, silver, windows: part, database, partition, ...renamedSilver };
      return [mergeStatement(merge), mergeCountsStatement(merge)]
        .map((statement) => statementText(statement, dialect))
        .reduce((a, b) => (b.length > a.length ? b : a));
    };
    const chunks = windows.length
      ? planChunks(windows, {
          partitionOf: goldPartitionOf(table, partition),
          render,
          table: `${database}.${table.name}`,
          ...(maxPartitionsPerStatement === undefined ? {} : { maxPartitions: maxPartitionsPerStatement }),
          ...(maxQueryBytes === undefined ? {} : { maxQueryBytes }),
        })
      : [];
    tables.push({
      name: table.name,
      key: table.key,
      windows: windows.length,
      merges: chunks.length,
      origins: windows.map((values) => `${silver.database}.${silver.name}/${partitionPath(values)}`),
    });
    // Created even with nothing to merge, so a run leaves every table of the spec readable.
    const location =
      warehouse === undefined ? undefined : `${warehouse.replace(/\/?$/, "/")}${database}/${table.name}/`;
    for (const statement of createTableStatements({ table, database, dialect, location }))
      creates.push({ kind: "create", table: table.name, statement });
    // A table created under an older spec gains the columns a later version added (NULL until
    // recomputed); under an unchanged schema, a plan carries no ALTER.
    for (const statement of addColumnStatements({
      table,
      database,
      missing: missingColumns(table, tableColumns),
    }))
      creates.push({ kind: "alter", table: table.name, statement });
    if (!chunks.length) continue;
    for (const part of chunks) {
      const merge: GoldMerge = { table, silver, windows: part, database, partition, ...renamedSilver };
      checks.push({
        kind: "check",
        table: table.name,
        statement: duplicateKeysStatement({ ...merge, limit: CHECK_ROWS }),
      });
      counts.push({ kind: "counts", table: table.name, statement: mergeCountsStatement(merge) });
      merges.push({ kind: "merge", table: table.name, statement: mergeStatement(merge) });
    }
    const target = { database, name: table.name };
    congregados.push(
      {
        kind: "count",
        table: table.name,
        statement: {
          kind: "query",
          query: {
            kind: "select",
            columns: [{ expr: { kind: "call", fn: "count", args: [] }, as: "record_count" }],
            from: { kind: "table", table: target },
          },
        },
      },
      {
        kind: "sample",
        table: table.name,
        // The first rows of the first window merged, by key: one window's rows at most are read.
        statement: {
          kind: "query",
          query: {
            kind: "select",
            columns: goldColumns(table).map(({ name }) => ({ expr: column("g", name) })),
            from: { kind: "table", table: target, alias: "g" },
            where: ownedRows({ table, windows: windows.slice(0, 1), partition, alias: "g" }),
            orderBy: table.key.map((name) => ({ expr: column("g", name) })),
            limit: sampleLimit,
          },
        },
      },
    );
  }
  const behind = schemaVersion !== undefined && schemaVersion.tablesAt !== schemaVersion.version;
  return {
    dataset: spec.name,
    database,
    silver,
    tables,
    steps: [...creates, ...checks, ...counts, ...merges, ...congregados],
    schema: behind ? { version: schemaVersion.version, applied_before: creates.length } : null,
  };
}

// Silver's columns as gold reads them, when a field was renamed (see GoldSource.silverColumns).
function silverColumnsRead(spec: DatasetSpec): { silverColumns: PartitionColumn[] } | undefined {
  const { data, partition } = silverColumns(spec);
  if (!data.some((c) => c.renamedFrom?.length)) return undefined;
  return {
    silverColumns: [...data, ...partition].map(({ name, type, renamedFrom }) => ({
      name,
      type,
      ...(renamedFrom ? { renamedFrom } : {}),
    })),
  };
}

// The value columns a table lacks (only those: a changed key or dimension needs a rebuild).
function missingColumns(
  table: GoldSpec["tables"][number],
  tableColumns: Record<string, readonly string[]> | undefined,
): string[] {
  const has = tableColumns?.[table.name];
  // A table not created yet is created by the plan, whole.
  if (has === undefined) return [];
  return valueColumns(table)
    .map(({ name }) => name)
    .filter((name) => !has.includes(name));
}

/**
 * Whether a step's result rows are read after it runs (checks, counts, the congregado's), so
 * the state machine fetches them; creates and MERGEs are only waited for.
 * @param kind the step's kind
 */
export function goldStepReadsRows(kind: GoldStepKind): boolean {
  return kind !== "create" && kind !== "alter" && kind !== "merge";
}

/**
 * The key a gold plan is stored under: beside the silver plan it follows, so the same silver
 * plan always gives the same key (a retried PlanGold overwrites its own plan).
 * @param silverPlanKey the silver plan's key
 */
export function goldPlanKeyOf(silverPlanKey: string): string {
  return `${silverPlanKey.replace(/\.json$/, "")}.gold.json`;
}

/**
 * Stores a gold plan in the lake's silver bucket, where the pipeline's later states read it.
 * @param options S3 client, bucket, key, the plan
 */
export async function saveGoldPlan({
  s3,
  bucket,
  key,
  plan,
}: {
  s3: S3Client;
  bucket: string;
  key: string;
  plan: GoldPlan;
}): Promise<void> {
  await putObject(s3, bucket, key, JSON.stringify(plan));
}

/**
 * Reads a plan {@link saveGoldPlan} stored.
 * @param options S3 client, bucket, the plan's key
 */
export async function loadGoldPlan({
  s3,
  bucket,
  key,
}: {
  s3: S3Client;
  bucket: string;
  key: string;
}): Promise<GoldPlan> {
  return goldPlans.get(s3, bucket, key);
}
const goldPlans = new ParsedObjectCache((json) => goldPlanSchema.parse(json));
