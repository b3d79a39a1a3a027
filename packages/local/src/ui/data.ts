import type { DatasetSpec } from "@medallion/core/dataset";
import { knownDatasets } from "@medallion/core/dataset";
import { goldSpecOf, hasGold } from "@medallion/core/gold";
import type { JourneyStatus } from "@medallion/core/journey";
import type { LedgerEntry } from "@medallion/core/ledger";
import { listLedger } from "@medallion/core/ledger";
import type { PartitionLocation } from "@medallion/core/sql";
import { catalogDirectory, localCatalog } from "../catalog/index";
import type { CongregadoJson } from "../commands/congregado";
import { congregadoCommand } from "../commands/congregado";
import type { JourneyJson } from "../commands/journeys";
import { journeysCommand } from "../commands/journeys";
import type { LakeTables } from "../commands/lake";
import { localTables } from "../engine/duckdb";
import { prefixFiles } from "../engine/files";
import type { ReadResult } from "../engine/reads";
import { quarantineTable } from "../engine/reads";
import { localNames, localS3Directory } from "../services/names";

/**
 * How the page reaches a data directory's state: the same stores, through the same functions
 * the other commands use (the journeys and congregado commands' readers, the ledger, SQL on the
 * lake). `medallion ui` goes through the process holding the directory, or opens it itself;
 * `medallion dev --ui` reads its own stack.
 */
export interface LakeReader {
  dataDir: string;
  /** Runs `fn` with the directory's DynamoDB tables. */
  tables<T>(fn: (tables: LakeTables) => Promise<T>): Promise<T>;
  /** Runs read-only SQL on the lake (DuckDB). */
  read(sql: string): Promise<ReadResult[]>;
}

/** Filters of the Runs view. */
export interface RunFilters {
  dataset?: string;
  status?: JourneyStatus;
}

/**
 * Every journey matching the filters, newest first, with its steps and cost (`medallion journeys`' reader).
 * @param reader the lake
 * @param filters dataset and status
 */
export async function readRuns(reader: LakeReader, filters: RunFilters): Promise<JourneyJson[]> {
  const found = await reader.tables(({ doc, names }) =>
    journeysCommand({ doc, table: names.JourneyControl!, limit: 0, ...filters }),
  );
  return "journeys" in found ? found.journeys : [];
}

/** A dataset's flow of counts, from landing files to gold rows. */
export interface Flow {
  dataset: string;
  landingFiles: number;
  filesQuarantinedWhole: number;
  recordsIn: number;
  recordsBronze: number;
  recordsQuarantined: number;
  /** Quarantined records by reason, with one sample record each. */
  reasons: { reason: string; records: number; sample: string | null }[];
  silverRows: number;
  gold: { table: string; rows: number }[];
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const tableName = ({ database, name }: { database: string; name: string }) => `${quote(database)}.${quote(name)}`;

// The first number of the first row of a one-statement read (0 when the table does not exist yet).
async function count(reader: LakeReader, sql: string): Promise<number> {
  try {
    const [result] = await reader.read(sql);
    return Number(Object.values(result?.rows[0] ?? {})[0] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * A dataset's flow: files and records from the ledger (what ingestion counted), quarantine by
 * reason from `quarantine.<dataset>`, silver and gold rows from their tables.
 * @param reader the lake
 * @param spec the dataset
 */
export async function readFlow(reader: LakeReader, spec: DatasetSpec): Promise<Flow> {
  const entries = await ledgerOf(reader, spec.name);
  let reasons: Flow["reasons"] = [];
  try {
    const [result] = await reader.read(
      `SELECT reason, count(*) FILTER (WHERE kind = 'record') AS records, count(*) FILTER (WHERE kind = 'file') AS files, any_value(raw) AS sample FROM ${tableName(quarantineTable(spec.name))} GROUP BY reason ORDER BY records DESC, reason`,
    );
    reasons = (result?.rows ?? []).map((row) => ({
      reason: String(row.reason),
      records: Number(row.records),
      sample: row.sample === null || row.sample === undefined ? null : String(row.sample),
    }));
  } catch {
    // No quarantine yet: nothing was rejected.
  }
  const gold = hasGold(spec)
    ? await Promise.all(
        goldSpecOf(spec).tables.map(async (table) => {
          const name = { database: goldSpecOf(spec).database ?? "gold", name: table.name };
          return {
            table: `${name.database}.${name.name}`,
            rows: await count(reader, `SELECT count(*) FROM ${tableName(name)}`),
          };
        }),
      )
    : [];
  const sum = (pick: (entry: LedgerEntry) => number) => entries.reduce((n, entry) => n + pick(entry), 0);
  return {
    dataset: spec.name,
    landingFiles: entries.length,
    filesQuarantinedWhole: entries.filter((entry) => entry.status === "quarantined").length,
    recordsIn: sum((entry) => entry.records_in),
    recordsBronze: sum((entry) => entry.records_bronze),
    recordsQuarantined: sum((entry) => entry.records_quarantined),
    reasons: reasons.filter((reason) => reason.records > 0),
    silverRows: spec.silver
      ? await count(reader, `SELECT count(*) FROM ${tableName(localTables(spec.name).silver)}`)
      : 0,
    gold,
  };
}

/** One silver partition: where it is now, its rows, and the versions kept beside it. */
export interface SilverPartition {
  partition: string;
  version: string;
  rows: number;
  /** Older versions still stored (kept for rollback until retention removes them). */
  previousVersions: string[];
}

/** The Tables view: silver partitions, gold tables with their last MERGE, congregado items. */
export interface Tables {
  silver: { dataset: string; partitions: SilverPartition[] }[];
  gold: {
    dataset: string;
    table: string;
    rows: number;
    lastMerge: { at: string; inserted: number; updated: number; deleted: number } | null;
  }[];
  congregado: CongregadoJson[];
}

const VERSION = /\/_v=([^/]+)\//;

/**
 * Silver partitions (the catalog, each partition's row count, the versions stored), gold tables
 * (rows, the last MERGE's counts from the journeys) and congregado items.
 * @param reader the lake
 * @param specs the datasets
 */
export async function readTables(reader: LakeReader, specs: DatasetSpec[]): Promise<Tables> {
  const catalog = localCatalog({ directory: catalogDirectory(reader.dataDir) });
  const bucket = localNames().Silver!;
  const silver = [];
  for (const spec of specs.filter((s) => s.silver)) {
    const table = localTables(spec.name).silver;
    const locations: PartitionLocation[] = await catalog.partitions(table);
    const rows = new Map<string, number>();
    const columns = locations[0] ? Object.keys(locations[0].values) : [];
    if (columns.length) {
      try {
        const [result] = await reader.read(
          `SELECT ${columns.map(quote).join(", ")}, count(*) AS n FROM ${tableName(table)} GROUP BY ALL`,
        );
        for (const row of result?.rows ?? []) rows.set(columns.map((c) => `${c}=${row[c]}`).join("/"), Number(row.n));
      } catch {
        // No silver rows yet.
      }
    }
    const stored = await prefixFiles(localS3Directory(reader.dataDir), `s3://${bucket}/${spec.name}/`);
    const partitions = locations
      .map((location) => {
        const partition = Object.entries(location.values)
          .map(([column, value]) => `${column}=${value}`)
          .join("/");
        const version = VERSION.exec(location.location)?.[1] ?? "";
        const versions = new Set(
          stored
            .map((file) => file.split(/[\\/]/).join("/"))
            .filter((file) => file.includes(`/${partition}/`))
            .map((file) => VERSION.exec(file)?.[1])
            .filter((found): found is string => found !== undefined && found !== version),
        );
        return { partition, version, rows: rows.get(partition) ?? 0, previousVersions: [...versions].sort() };
      })
      .sort((a, b) => a.partition.localeCompare(b.partition, undefined, { numeric: true }));
    silver.push({ dataset: spec.name, partitions });
  }
  const runs = await readRuns(reader, {});
  const gold: Tables["gold"] = [];
  for (const spec of specs.filter(hasGold)) {
    const database = goldSpecOf(spec).database ?? "gold";
    for (const table of goldSpecOf(spec).tables) {
      const name = `${database}.${table.name}`;
      const merge = runs
        .flatMap((run) => run.steps)
        .find((step) => step.step === "gold" && step.partition === name && step.status === "succeeded");
      const details = (merge?.details ?? {}) as Record<string, number>;
      gold.push({
        dataset: spec.name,
        table: name,
        rows: await count(reader, `SELECT count(*) FROM ${tableName({ database, name: table.name })}`),
        lastMerge: merge
          ? {
              at: merge.finishedAt,
              inserted: details.inserted ?? 0,
              updated: details.updated ?? 0,
              deleted: details.deleted ?? 0,
            }
          : null,
      });
    }
  }
  const congregado = await reader.tables(({ doc, names }) => congregadoCommand({ doc, table: names.Congregado! }));
  return { silver, gold, congregado: "congregados" in congregado ? congregado.congregados : [] };
}

/** Where one landing file went: its bronze object, the silver version it fed, the gold windows recomputed. */
export interface Lineage {
  entry: LedgerEntry;
  /** The run whose silver consolidation took the file, once one did. */
  run: JourneyJson | null;
  gold: { table: string; windows: number; inserted: number; updated: number; deleted: number }[];
}

/**
 * Every landing file of a dataset (the ledger), newest first.
 * @param reader the lake
 * @param dataset the dataset
 */
export async function ledgerOf(reader: LakeReader, dataset: string): Promise<LedgerEntry[]> {
  const entries = await reader.tables(({ doc, names }) => listLedger(doc, names.Ledger!, dataset));
  return entries.sort((a, b) => b.ingested_at.localeCompare(a.ingested_at));
}

/**
 * The lineage of one landing file: its ledger entry, and the run that consolidated it (its
 * silver step names the version) with that run's gold steps.
 * @param reader the lake
 * @param dataset the dataset
 * @param fileId the file's ledger id (`<key>#<etag>`)
 */
export async function readLineage(reader: LakeReader, dataset: string, fileId: string): Promise<Lineage | null> {
  const entry = (await ledgerOf(reader, dataset)).find((candidate) => candidate.file_id === fileId);
  if (!entry) return null;
  const runs = entry.silver_version ? await readRuns(reader, { dataset }) : [];
  const run =
    runs.find((candidate) =>
      candidate.steps.some((step) => step.step === "silver_consolidation" && step.partition === entry.silver_version),
    ) ?? null;
  const gold = (run?.steps ?? [])
    .filter((step) => step.step === "gold")
    .map((step) => {
      const details = (step.details ?? {}) as Record<string, number>;
      return {
        table: step.partition ?? "",
        windows: details.windows ?? 0,
        inserted: details.inserted ?? 0,
        updated: details.updated ?? 0,
        deleted: details.deleted ?? 0,
      };
    });
  return { entry, run, gold };
}

/** The datasets the page shows: every known one. */
export const uiDatasets = (): DatasetSpec[] => Object.values(knownDatasets());
