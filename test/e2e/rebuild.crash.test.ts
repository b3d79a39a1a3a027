import type { DatasetSpec } from "@medallion/core/dataset";
import { carTelemetry } from "@medallion/core/dataset";
import type { LedgerEntry } from "@medallion/core/ledger";
import { listPending, markForRebuild } from "@medallion/core/ledger";
import type { PartitionCatalog, SilverLedger, SilverRebuild } from "@medallion/core/silver";
import { planSilver } from "@medallion/core/silver";
import { duckdbEngine } from "@medallion/local/engine/index";
import type { TestLake } from "@medallion/testing/lake";
import type { SilverHarness, SilverLake, SilverOptions } from "@medallion/testing/silver";
import { landBronze, reading, startSilverLake } from "@medallion/testing/silver";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

// The spec gains a derived column; a rebuild fills it for all history.
const withFuelFraction: DatasetSpec = {
  ...carTelemetry,
  silver: {
    ...carTelemetry.silver!,
    derived: [
      ...(carTelemetry.silver!.derived ?? []),
      {
        name: "fuel_fraction",
        kind: "ratio",
        numerator: "metrics_fuel_fuelAvailable",
        denominator: "metrics_fuel_fuelCapacity",
      },
    ],
  },
};
const rebuild: SilverRebuild = { id: "fill-fuel-fraction" };

async function landHistory(lake: TestLake): Promise<void> {
  for (const [n, day] of ["2024-01-01", "2024-01-02", "2024-01-03"].entries())
    await landBronze(lake, {
      name: `day${n}`,
      readings: ["A", "B", "C"].map((car, c) =>
        reading({ carChassis: car, currentMileage: 1000 + c + n, metricTimestamp: `${day}T10:00:00Z` }),
      ),
    });
}

class Crash extends Error {
  override name = "Crash";
}

// Silver as a reader under the new spec sees it (older partitions lack the new column: NULL).
async function rowsOf(lake: TestLake, silver: SilverHarness): Promise<Record<string, unknown>[]> {
  const reader = await duckdbEngine({
    s3: lake.s3,
    s3Directory: lake.services.s3.directory,
    catalog: silver.catalog,
    datasets: [withFuelFraction],
    buckets: silver.options.buckets,
  });
  try {
    return (
      await reader.sql(
        "SELECT carChassis, currentMileage, fuel_fraction, event_day FROM silver.car_telemetry ORDER BY carChassis, event_day",
      )
    ).rows;
  } finally {
    reader.close();
  }
}

describe("medallion rebuild's silver steps after a crash", () => {
  let lake: TestLake;
  let silver: SilverLake;
  let expected: Record<string, unknown>[];

  // Plans of at most one file: the rebuild takes several, and a crash can hit any of them.
  const rebuildOptions: Partial<SilverOptions> = { spec: withFuelFraction, rebuild, maxFiles: 1 };
  async function rebuildAll(overrides: Partial<SilverOptions> = {}): Promise<void> {
    await markForRebuild(lake.doc, lake.names.Ledger!, "car_telemetry", { rebuildId: rebuild.id });
    for (let plans = 0; plans < 10; plans++) {
      const { plan } = await silver.consolidate({ ...rebuildOptions, ...overrides });
      if (!plan.more) return;
    }
  }

  beforeAll(async () => {
    // What a lake that only ever knew the new spec holds.
    const reference = await startSilverLake();
    try {
      await landHistory(reference.lake);
      await reference.consolidate({ spec: withFuelFraction });
      expected = await rowsOf(reference.lake, reference);
    } finally {
      await reference.close();
    }
  });
  afterEach(() => silver?.close());

  async function prepare(): Promise<void> {
    silver = await startSilverLake();
    lake = silver.lake;
    await landHistory(lake);
    await silver.consolidate();
  }

  async function assessConverged(): Promise<void> {
    await rebuildAll();
    expect(await rowsOf(lake, silver)).toEqual(expected);
    expect(await listPending(lake.doc, lake.names.Ledger!, "car_telemetry")).toEqual([]);
  }

  it("fills a new derived column for all history (old partitions read NULL before)", async () => {
    await prepare();
    expect((await rowsOf(lake, silver)).every((row) => row.fuel_fraction === null)).toBe(true);
    await assessConverged();
    expect(expected.every((row) => typeof row.fuel_fraction === "number")).toBe(true);
  });

  it("converges after a crash right after the files were made pending again", async () => {
    await prepare();
    await markForRebuild(lake.doc, lake.names.Ledger!, "car_telemetry", { rebuildId: rebuild.id });
    await assessConverged();
  });

  it("converges after a crash after planning, and after writing the version", async () => {
    await prepare();
    await markForRebuild(lake.doc, lake.names.Ledger!, "car_telemetry", { rebuildId: rebuild.id });
    await silver.consolidate(rebuildOptions);
    const plan = await planSilver({ ...silver.options, ...rebuildOptions });
    await silver.runStatements(plan);
    await assessConverged();
  });

  it("converges after a crash before swapping the catalog", async () => {
    await prepare();
    const catalog: PartitionCatalog = {
      locate: silver.catalog.locate,
      addColumns: silver.catalog.addColumns,
      drop: silver.catalog.drop,
      swap: async () => Promise.reject(new Crash("before swap")),
    };
    await markForRebuild(lake.doc, lake.names.Ledger!, "car_telemetry", { rebuildId: rebuild.id });
    await silver.consolidate(rebuildOptions);
    await expect(silver.consolidate({ ...rebuildOptions, catalog })).rejects.toThrow(Crash);
    await assessConverged();
  });

  it("converges after a crash after swapping, before the ledger update, twice", async () => {
    await prepare();
    const ledger: SilverLedger<LedgerEntry> = {
      listPending: silver.options.ledger.listPending,
      markConsolidated: async () => Promise.reject(new Crash("before ledger")),
    };
    await markForRebuild(lake.doc, lake.names.Ledger!, "car_telemetry", { rebuildId: rebuild.id });
    await silver.consolidate(rebuildOptions);
    await expect(silver.consolidate({ ...rebuildOptions, ledger })).rejects.toThrow(Crash);
    await expect(silver.consolidate({ ...rebuildOptions, ledger })).rejects.toThrow(Crash);
    await assessConverged();
  });
});
