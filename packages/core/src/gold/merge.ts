import type { CongregadoTable, SaveCongregadoResult } from "../congregado/save";
import { congregadoId, saveCongregado } from "../congregado/save";
import type { DatasetSpec } from "../dataset/spec";
import type { SqlEngine } from "../engine/port";
import { yearMonthDayPartitionOf } from "../silver/columns";
import { partitionPath } from "../silver/partition";
import type { Statement, TableRef } from "../sql/ast";
import { goldColumns } from "./columns";
import { DuplicateSourceKeyError } from "./errors";
import { planChunks, statementText } from "./limits";
import type { RetryOptions } from "./retry";
import { runWithRetry } from "./retry";
import { checkWindowOwnership } from "./scope";
import type { GoldSpec, GoldTable } from "./spec";
import { goldSpecOf } from "./spec";
import type { GoldMerge } from "./statements";
import {
  addColumnStatements,
  createTableStatements,
  duplicateKeysStatement,
  mergeCountsStatement,
  mergeStatement,
  readTableStatement,
} from "./statements";
import type { WindowValues } from "./windows";
import { windowsOf } from "./windows";

/** A silver partition a run rewrote: a plan's partition (`{ values, … }`) or its values alone. */
export type AffectedPartition = { values: Record<string, string | number> } | Record<string, string | number>;

/** Options of {@link mergeGold}. */
export interface MergeGoldOptions {
  engine: SqlEngine;
  /** The dataset: its name and silver partition columns. */
  spec: DatasetSpec;
  /** Its gold tables; default the spec's `gold` section. */
  gold?: GoldSpec;
  /** Silver partitions the run rewrote: the silver plan's partitions, or just their values (either form, mixed too). */
  partitions: readonly AffectedPartition[];
  /** The silver table the engine reads (`silver.<dataset>` locally, the Glue table on AWS). */
  silver: TableRef;
  /** Gold database; default the gold spec's, else `gold`. */
  database?: string;
  /** Athena only: `s3://bucket/prefix/` under which each table lives at `<database>/<table>/`. */
  warehouse?: string;
  /** Where congregados are saved; without it none is saved. */
  congregado?: CongregadoTable & { sampleLimit?: number };
  maxPartitionsPerStatement?: number;
  maxQueryBytes?: number;
  retry?: RetryOptions;
}

/** What merging one gold table did. */
export interface GoldTableSummary {
  /** `<database>.<table>`. */
  table: string;
  /** Windows recomputed (months or days) and MERGE statements run. */
  windows: number;
  statements: number;
  /** Source rows (groups) merged: inserted + updated + unchanged. */
  sourceRows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows of the recomputed windows whose group no longer exists there (e.g. a car changed manufacturer), deleted. */
  deleted: number;
  /** Rows the table holds after the merge. */
  rowCount: number;
  congregado?: Pick<SaveCongregadoResult, "id" | "status" | "version">;
}

/** What {@link mergeGold} did, per table in spec order. */
export interface GoldSummary {
  dataset: string;
  tables: GoldTableSummary[];
}

const valuesOf = (partition: AffectedPartition): Record<string, string | number> =>
  typeof partition.values === "object" && partition.values !== null
    ? (partition.values as Record<string, string | number>)
    : (partition as Record<string, string | number>);

const count = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

interface TableRun {
  table: GoldTable;
  windows: WindowValues[];
  chunks: GoldMerge[];
}

/**
 * Merges every gold table of a dataset from the silver partitions a run rewrote. Per table:
 * create it when missing; recompute the affected windows (whole months or days) from silver;
 * refuse duplicated or NULL source keys before touching any table; count what the MERGE will
 * insert, update and delete (rows of the windows whose group is gone); MERGE in statements
 * within Athena's limits, retrying commit conflicts and throttling; then save the table's
 * congregado. Re-running a window changes nothing.
 * @param options engine, spec, affected partitions, silver table, gold location, congregado table
 * @example const summary = await mergeGold({ engine, spec: carTelemetry, gold: carTelemetryGold, partitions: plan.partitions, silver: { database: "silver", name: "car_telemetry" } });
 */
export async function mergeGold({
  engine,
  spec,
  gold = goldSpecOf(spec),
  partitions,
  silver,
  database = gold.database ?? "gold",
  warehouse,
  congregado,
  maxPartitionsPerStatement,
  maxQueryBytes,
  retry,
}: MergeGoldOptions): Promise<GoldSummary> {
  const dialect = engine.dialect;
  const affected = partitions.map(valuesOf);
  const run = (statement: Statement) => runWithRetry(engine, statement, retry);

  const plans: TableRun[] = gold.tables.map((table) => {
    // Asked per table, so a spec without gold tables never needs year/month/day partitions.
    const partition = yearMonthDayPartitionOf(spec);
    // A bad spec fails here, before any statement runs.
    goldColumns(table);
    checkWindowOwnership(table, partition);
    const windows = windowsOf(affected, table.window, partition);
    // The counts carry the recomputation twice, the MERGE once: the longest must fit.
    const render = (part: WindowValues[]): string => {
      const merge: GoldMerge = { table, silver, windows: part, database, partition };
      return [mergeStatement(merge), mergeCountsStatement(merge)]
        .map((statement) => statementText(statement, dialect))
        .reduce((a, b) => (b.length > a.length ? b : a));
    };
    const chunks = windows.length
      ? planChunks(windows, {
          maxWindows: maxPartitionsPerStatement,
          maxQueryBytes,
          render,
          table: `${database}.${table.name}`,
        })
      : [];
    return {
      table,
      windows,
      chunks: chunks.map((part) => ({ table, silver, windows: part, database, partition })),
    };
  });

  for (const { table } of plans) {
    const location =
      warehouse === undefined ? undefined : `${warehouse.replace(/\/?$/, "/")}${database}/${table.name}/`;
    for (const statement of createTableStatements({ table, database, dialect, location })) await run(statement);
    // A table created under an older spec gains the columns of new aggregates (NULL until recomputed).
    for (const statement of addColumnStatements({ table, database, dialect })) await run(statement);
  }

  // Every table's source is checked before any is merged, so a bad key leaves all of gold as it was.
  for (const { table, chunks } of plans) {
    for (const source of chunks) {
      const { rows } = await run(duplicateKeysStatement(source));
      if (rows.length) {
        throw new DuplicateSourceKeyError(
          `${database}.${table.name}`,
          rows.map((row) => ({
            key: Object.fromEntries(table.key.map((name) => [name, row[name] ?? null])),
            rows: count(row.rows),
          })),
        );
      }
    }
  }

  const summaries: GoldTableSummary[] = [];
  for (const { table, windows, chunks } of plans) {
    const summary: GoldTableSummary = {
      table: `${database}.${table.name}`,
      windows: windows.length,
      statements: chunks.length,
      sourceRows: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      rowCount: 0,
    };
    for (const source of chunks) {
      const [counts] = (await run(mergeCountsStatement(source))).rows;
      const sourceRows = count(counts?.source_rows);
      const matched = count(counts?.matched);
      const changed = count(counts?.changed);
      summary.sourceRows += sourceRows;
      summary.inserted += sourceRows - matched;
      summary.updated += changed;
      summary.unchanged += matched - changed;
      summary.deleted += count(counts?.deleted);
      await run(mergeStatement(source));
    }
    const { rows } = await run(readTableStatement({ table, database }));
    summary.rowCount = rows.length;
    if (congregado && chunks.length) {
      const { sampleLimit, ...store } = congregado;
      const saved = await saveCongregado({
        ...store,
        id: congregadoId(database, table.name),
        data: rows,
        ...(sampleLimit === undefined ? {} : { sampleLimit }),
        metadata: {
          processor_type: "gold",
          dataset: spec.name,
          database,
          table: table.name,
          key: table.key,
          origins: windows.map((values) => `${silver.database}.${silver.name}/${partitionPath(values)}`),
        },
      });
      summary.congregado = { id: saved.id, status: saved.status, version: saved.version };
    }
    summaries.push(summary);
  }
  return { dataset: spec.name, tables: summaries };
}
