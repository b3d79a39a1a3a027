import { carTelemetry } from "@medallion/core/dataset";
import type { LedgerEntry } from "@medallion/core/ledger";
import { listPending } from "@medallion/core/ledger";
import type { PartitionCatalog, SilverLedger } from "@medallion/core/silver";
import { planSilver } from "@medallion/core/silver";
import { duckdbEngine } from "@medallion/local/engine/index";
import type { TestLake } from "@medallion/testing/lake";
import type { SilverLake } from "@medallion/testing/silver";
import { landBronze, reading, startSilverLake } from "@medallion/testing/silver";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

const cars = ["A", "B", "C", "D", "E", "F"];
const days = ["2024-01-01", "2024-01-02", "2024-01-03"];

// History: every car on every day; then a batch that beats some readings and ties others.
async function landHistory(lake: TestLake): Promise<void> {
  await landBronze(lake, {
    name: "history",
    readings: cars.flatMap((car, c) =>
      days.map((day) => reading({ carChassis: car, currentMileage: 1000 + c, metricTimestamp: `${day}T10:00:00Z` })),
    ),
  });
}
async function landBatch(lake: TestLake): Promise<void> {
  await landBronze(lake, {
    name: "batch",
    readings: [
      reading({ carChassis: "A", currentMileage: 2000, metricTimestamp: "2024-01-02T11:00:00Z" }),
      reading({ carChassis: "B", currentMileage: 1001, metricTimestamp: "2024-01-03T12:00:00Z" }),
      reading({ carChassis: "G", currentMileage: 10, metricTimestamp: "2024-01-04T12:00:00Z" }),
    ],
  });
}

class Crash extends Error {
  override name = "Crash";
}

describe("silver consolidation after a crash", () => {
  let lake: TestLake;
  let silver: SilverLake;
  let expected: Record<string, unknown>[];

  beforeAll(async () => {
    const reference = await startSilverLake();
    try {
      await landHistory(reference.lake);
      await reference.consolidate();
      await landBatch(reference.lake);
      await reference.consolidate();
      expected = await reference.rows();
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
    await landBatch(lake);
  }

  async function assessRecovered(): Promise<void> {
    await silver.consolidate();
    expect(await silver.rows()).toEqual(expected);
    expect(await listPending(lake.doc, lake.names.Ledger!, "car_telemetry")).toEqual([]);
  }

  it("ends as without the crash when it crashed after planning", async () => {
    // Prepare
    await prepare();
    await planSilver(silver.options);
    // Act + Assess
    await assessRecovered();
  });

  it("ends as without the crash when it crashed after writing the version", async () => {
    // Prepare
    await prepare();
    const plan = await planSilver(silver.options);
    await silver.runStatements(plan);
    // Act + Assess
    await assessRecovered();
  });

  it("ends as without the crash when it crashed before swapping the catalog", async () => {
    // Prepare
    await prepare();
    const catalog: PartitionCatalog = {
      locate: silver.catalog.locate,
      addColumns: silver.catalog.addColumns,
      drop: silver.catalog.drop,
      swap: async () => Promise.reject(new Crash("before swap")),
    };
    await expect(silver.consolidate({ catalog })).rejects.toThrow(Crash);
    // Act + Assess
    await assessRecovered();
  });

  it("ends as without the crash when it crashed after swapping, before the ledger update", async () => {
    // Prepare
    await prepare();
    const ledger: SilverLedger<LedgerEntry> = {
      listPending: silver.options.ledger.listPending,
      markConsolidated: async () => Promise.reject(new Crash("before ledger")),
    };
    await expect(silver.consolidate({ ledger })).rejects.toThrow(Crash);
    // Act + Assess
    await assessRecovered();
  });

  it("ends as without the crashes when it crashed twice in a row", async () => {
    // Prepare
    await prepare();
    const ledger: SilverLedger<LedgerEntry> = {
      listPending: silver.options.ledger.listPending,
      markConsolidated: async () => Promise.reject(new Crash("before ledger")),
    };
    await expect(silver.consolidate({ ledger })).rejects.toThrow(Crash);
    const plan = await planSilver(silver.options);
    await silver.runStatements(plan);
    // Act + Assess
    await assessRecovered();
  });

  it("lets a reader querying in a loop see every row exactly once during consolidation", async () => {
    // Prepare
    await prepare();
    const reader = await duckdbEngine({
      ...silver.options,
      s3Directory: lake.services.s3.directory,
      catalog: silver.catalog,
      datasets: [carTelemetry],
    });
    const counts: { rows: number; keys: number }[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const { rows } = await reader.sql(
          "SELECT count(*) AS n, count(DISTINCT (carChassis, event_year, event_month, event_day)) AS k FROM silver.car_telemetry WHERE event_day <= 3",
        );
        counts.push({ rows: Number(rows[0]!.n), keys: Number(rows[0]!.k) });
      }
    })();
    try {
      // Act
      for (let i = 0; i < 3; i += 1) {
        await landBronze(lake, {
          name: `more-${i}`,
          readings: cars.map((car) =>
            reading({
              carChassis: car,
              currentMileage: 3000 + i,
              metricTimestamp: `2024-01-0${1 + (i % 3)}T15:00:00Z`,
            }),
          ),
        });
        await silver.consolidate();
      }
    } finally {
      running = false;
      await loop;
      reader.close();
    }
    // Assess
    expect(counts.length).toBeGreaterThan(0);
    for (const count of counts)
      expect(count).toEqual({ rows: cars.length * days.length, keys: cars.length * days.length });
  });
});
