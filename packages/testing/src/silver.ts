import { createHash } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { bronzeParquetSchema, carTelemetry } from "@medallion/core/dataset";
import type { LedgerEntry } from "@medallion/core/ledger";
import { recordIngested } from "@medallion/core/ledger";
import type { FinishSilverOptions, PlanSilverOptions, SilverPlan, SilverSummary } from "@medallion/core/silver";
import { commitSilver, dynamoSilverLedger, finishSilver, planSilver } from "@medallion/core/silver";
import type { LocalCatalog } from "@medallion/local/catalog/index";
import { catalogDirectory, localCatalog } from "@medallion/local/catalog/index";
import type { DuckDbEngine } from "@medallion/local/engine/index";
import { duckdbEngine, localTables } from "@medallion/local/engine/index";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { LakeClients, TestLake } from "./lake";
import { startTestLake } from "./lake";

/** One car telemetry reading, as the gateways send it. */
export interface Reading {
  carChassis: string;
  currentMileage: number;
  metricTimestamp: string;
  Manufacturer?: string | null;
  Model?: string | null;
  color?: string | null;
  metrics?: {
    trip: { tripMileage: number | null; tripFuelLiters: number | null };
    fuel: { fuelAvailable: number | null; fuelCapacity: number | null };
  } | null;
}

/** A reading with plausible defaults, overridden where given. */
export function reading(overrides: Partial<Reading> = {}): Reading {
  return {
    carChassis: "CHASSIS-1",
    currentMileage: 1000,
    metricTimestamp: "2024-01-05T10:00:00Z",
    Manufacturer: "toyota",
    Model: "Corolla",
    color: "Red",
    metrics: { trip: { tripMileage: 120, tripFuelLiters: 10 }, fuel: { fuelAvailable: 30, fuelCapacity: 60 } },
    ...overrides,
  };
}

/**
 * Writes a bronze Parquet file (the ingestion's columns and layout) and records it in the
 * ledger as pending, as ingestion does.
 */
export async function landBronze(
  lake: LakeClients,
  { name, readings, ingestDate = "2024-01-06" }: { name: string; readings: Reading[]; ingestDate?: string },
): Promise<LedgerEntry> {
  const sourceKey = `car_telemetry/${name}.json`;
  const n = readings.length;
  const buffer = parquetWriteBuffer({
    schema: bronzeParquetSchema(carTelemetry.fields),
    columnData: [
      ...carTelemetry.fields.map((field) => ({
        name: field.name,
        data: readings.map((r) => (r as unknown as Record<string, unknown>)[field.name] ?? null),
      })),
      { name: "_extra", data: new Array(n).fill(null) },
      { name: "_source_key", data: new Array(n).fill(sourceKey) },
      { name: "_record_index", data: Int32Array.from(readings.keys()) },
      { name: "_source_line", data: Int32Array.from(readings.keys(), (i) => i + 1) },
    ],
  });
  const etag = createHash("md5").update(JSON.stringify(readings)).digest("hex");
  const bronzeKey = `car_telemetry/ingest_date=${ingestDate}/${name}-${etag}.parquet`;
  await lake.s3.send(new PutObjectCommand({ Bucket: lake.names.Bronze, Key: bronzeKey, Body: new Uint8Array(buffer) }));
  const entry: LedgerEntry = {
    dataset: "car_telemetry",
    file_id: `${sourceKey}#${etag}`,
    source_key: sourceKey,
    etag,
    bronze_key: bronzeKey,
    status: "bronze",
    records_in: n,
    records_bronze: n,
    records_quarantined: 0,
    quarantine_keys: [],
    ingested_at: new Date().toISOString(),
    pending_dataset: "car_telemetry",
  };
  await recordIngested(lake.doc, lake.names.Ledger!, entry);
  return entry;
}

/** What silver's steps take on a test lake: a plan's options, and a commit's and finish's (but the plan). */
export type SilverOptions = PlanSilverOptions<LedgerEntry> & Omit<FinishSilverOptions, "plan" | "ledger">;

/** What one consolidation did: commit's summary, the versions finish expired, and the plan it ran. */
export type Consolidation = SilverSummary & { versionsExpired: number; plan: SilverPlan<LedgerEntry> };

/** The silver side of a test lake: catalog, DuckDB engine and the options consolidation takes. */
export interface SilverHarness {
  catalog: LocalCatalog;
  engine: DuckDbEngine;
  options: SilverOptions;
  /**
   * One consolidation as the pipeline runs it: plan → the engine runs the plan's statements →
   * commit (the catalog swap) → finish (the ledger marked, expired versions deleted).
   * @param overrides options of this consolidation (a failing catalog or ledger, a clock, a file cap)
   */
  consolidate(overrides?: Partial<SilverOptions>): Promise<Consolidation>;
  /**
   * Runs a plan's statements in order on the engine, as the pipeline's query state does.
   * @param plan the plan
   * @returns the rows they wrote, as the engine reported them (what the commit takes)
   */
  runStatements(plan: SilverPlan): Promise<number>;
  /** Every silver row, sorted by chassis and day. */
  rows(): Promise<Record<string, unknown>[]>;
  close(): void;
}

/** Wires silver consolidation to a test lake with the embedded adapters. */
export async function silverHarness(lake: TestLake): Promise<SilverHarness> {
  const catalog = localCatalog({ directory: catalogDirectory(lake.dataDir) });
  const buckets = { bronze: lake.names.Bronze!, silver: lake.names.Silver! };
  const engine = await duckdbEngine({
    s3: lake.s3,
    s3Directory: lake.services.s3.directory,
    catalog,
    datasets: [carTelemetry],
    buckets,
  });
  const options: SilverOptions = {
    spec: carTelemetry,
    ledger: dynamoSilverLedger({ doc: lake.doc, table: lake.names.Ledger! }),
    s3: lake.s3,
    catalog,
    buckets,
    tables: localTables("car_telemetry"),
  };
  const runStatements = async (plan: SilverPlan): Promise<number> => {
    let rowsWritten = 0;
    for (const statement of plan.statements) rowsWritten += (await engine.run(statement)).rowsWritten ?? 0;
    return rowsWritten;
  };
  return {
    catalog,
    engine,
    options,
    consolidate: async (overrides = {}) => {
      const steps = { ...options, ...overrides };
      const plan = await planSilver(steps);
      const rowsWritten = await runStatements(plan);
      const summary = await commitSilver({ ...steps, plan, rowsWritten });
      const { versionsExpired } = await finishSilver({ ...steps, plan });
      return { ...summary, versionsExpired, plan };
    },
    runStatements,
    rows: async () =>
      (await engine.sql("SELECT * FROM silver.car_telemetry ORDER BY carChassis, event_year, event_month, event_day"))
        .rows,
    close: () => engine.close(),
  };
}

/** A silver harness over a test lake of its own; closing it closes both. */
export interface SilverLake extends SilverHarness {
  lake: TestLake;
  close(): Promise<void>;
}

/**
 * Starts a test lake in a fresh temp directory and wires silver consolidation to it.
 * @example
 * let silver: SilverLake;
 * beforeEach(async () => { silver = await startSilverLake(); });
 * afterEach(() => silver?.close());
 */
export async function startSilverLake(): Promise<SilverLake> {
  const lake = await startTestLake();
  let harness: SilverHarness;
  try {
    harness = await silverHarness(lake);
  } catch (error) {
    await lake.close();
    throw error;
  }
  return {
    ...harness,
    lake,
    async close() {
      try {
        harness.close();
      } finally {
        await lake.close();
      }
    },
  };
}
