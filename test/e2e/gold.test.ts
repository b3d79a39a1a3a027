import { getCongregado } from "@medallion/core/congregado";
import { carTelemetry } from "@medallion/core/dataset";
import type { GoldSummary } from "@medallion/core/gold";
import { mergeGold } from "@medallion/core/gold";
import type { SilverDay } from "@medallion/testing/gold";
import { expectedCarMonthly, expectedManufacturerDaily, rounded } from "@medallion/testing/gold";
import type { TestLake } from "@medallion/testing/lake";
import type { SilverLake } from "@medallion/testing/silver";
import { landBronze, reading, startSilverLake } from "@medallion/testing/silver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { carTelemetryGold } from "../../packages/core/src/dataset/car-telemetry-gold";

const CAR_MONTHLY = "SELECT * FROM gold.car_monthly ORDER BY car, year, month";
const MANUFACTURER_DAILY =
  "SELECT * EXCLUDE (date), strftime(date, '%Y-%m-%d') AS date FROM gold.manufacturer_daily ORDER BY manufacturer, date";

describe("gold on the embedded lake: bronze → silver → gold → congregado", () => {
  let lake: TestLake;
  let silver: SilverLake;
  beforeEach(async () => {
    silver = await startSilverLake();
    lake = silver.lake;
  });
  afterEach(() => silver?.close());

  // One pipeline run: silver consolidated, then gold from the partitions it rewrote.
  async function runPipeline(): Promise<GoldSummary> {
    const { plan } = await silver.consolidate();
    return mergeGold({
      engine: silver.engine,
      spec: carTelemetry,
      gold: carTelemetryGold,
      partitions: plan.partitions,
      silver: { database: "silver", name: "car_telemetry" },
      congregado: { doc: lake.doc, table: lake.names.Congregado! },
    });
  }
  const rows = async (sql: string) =>
    (await silver.engine.sql(sql)).rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [k, typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v]),
      ),
    );
  const silverDays = async (): Promise<SilverDay[]> =>
    (await silver.rows()).map((r) => ({
      car: r.carChassis as string,
      at: String(r.metricTimestamp).replace(" ", "T").slice(0, 19),
      mileage: r.currentMileage as number,
      manufacturer: r.Manufacturer as string | null,
      tripKm: r.metrics_trip_tripMileage as number | null,
      tripLiters: r.metrics_trip_tripFuelLiters as number | null,
      fuelPct: r.fuel_level_percentage as number | null,
    }));

  it("builds gold from ingested readings, equal to an independent computation over silver, with congregados saved", async () => {
    // Prepare
    await landBronze(lake, {
      name: "day-1",
      readings: [
        reading({ carChassis: "A", currentMileage: 1000, metricTimestamp: "2024-01-05T08:00:00Z" }),
        reading({
          carChassis: "A",
          currentMileage: 1080,
          metricTimestamp: "2024-01-05T18:00:00Z",
          metrics: { trip: { tripMileage: 80, tripFuelLiters: 5 }, fuel: { fuelAvailable: 20, fuelCapacity: 60 } },
        }),
        reading({
          carChassis: "B",
          currentMileage: 300,
          metricTimestamp: "2024-01-06T09:00:00Z",
          Manufacturer: "honda",
        }),
        reading({ carChassis: "C", currentMileage: 50, metricTimestamp: "2024-02-01T09:00:00Z", Manufacturer: null }),
      ],
    });
    // Act
    const summary = await runPipeline();
    // Assess
    const days = await silverDays();
    expect(days).toHaveLength(3);
    expect(rounded(await rows(CAR_MONTHLY))).toEqual(rounded(expectedCarMonthly(days)));
    expect(rounded(await rows(MANUFACTURER_DAILY))).toEqual(rounded(expectedManufacturerDaily(days)));
    expect(summary.tables.map(({ table, inserted, updated }) => ({ table, inserted, updated }))).toEqual([
      { table: "gold.car_monthly", inserted: 3, updated: 0 },
      { table: "gold.manufacturer_daily", inserted: 3, updated: 0 },
    ]);
    const congregado = await getCongregado({
      doc: lake.doc,
      table: lake.names.Congregado!,
      id: "gold_manufacturer_daily",
    });
    expect(congregado).toMatchObject({
      record_count: 3,
      metadata: {
        table: "manufacturer_daily",
        origins: expect.arrayContaining(["silver.car_telemetry/event_year=2024/event_month=1/event_day=5"]),
      },
    });
  });

  it("updates the late day's rows only, and a run with nothing new leaves gold identical", async () => {
    // Prepare
    await landBronze(lake, {
      name: "first",
      readings: [
        reading({ carChassis: "A", currentMileage: 1000, metricTimestamp: "2024-01-05T08:00:00Z" }),
        reading({ carChassis: "B", currentMileage: 5000, metricTimestamp: "2024-01-06T08:00:00Z" }),
        reading({ carChassis: "A", currentMileage: 1900, metricTimestamp: "2024-02-10T08:00:00Z" }),
      ],
    });
    await runPipeline();
    const before = { monthly: await rows(CAR_MONTHLY), daily: await rows(MANUFACTURER_DAILY) };
    // Act: a late, higher-mileage reading for car A on January 5th
    await landBronze(lake, {
      name: "late",
      ingestDate: "2024-02-11",
      readings: [
        reading({
          carChassis: "A",
          currentMileage: 1200,
          metricTimestamp: "2024-01-05T20:00:00Z",
          metrics: { trip: { tripMileage: 200, tripFuelLiters: 12 }, fuel: { fuelAvailable: 15, fuelCapacity: 60 } },
        }),
      ],
    });
    const late = await runPipeline();
    const afterLate = { monthly: await rows(CAR_MONTHLY), daily: await rows(MANUFACTURER_DAILY) };
    const idle = await runPipeline();
    // Assess
    const changed = (now: Record<string, unknown>[], then: Record<string, unknown>[]) =>
      now.filter((row, i) => JSON.stringify(row) !== JSON.stringify(then[i]));
    expect(changed(afterLate.monthly, before.monthly).map((r) => [r.car, r.month, r.last_mileage])).toEqual([
      ["A", 1, 1200],
    ]);
    expect(changed(afterLate.daily, before.daily).map((r) => r.date)).toEqual(["2024-01-05"]);
    expect(late.tables.map((t) => [t.inserted, t.updated])).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(idle.tables.map((t) => t.windows)).toEqual([0, 0]);
    expect({ monthly: await rows(CAR_MONTHLY), daily: await rows(MANUFACTURER_DAILY) }).toEqual(afterLate);
  });

  it("removes the old manufacturer's row when a car's manufacturer changes later the same day", async () => {
    // Prepare: car X1 reads Fiat (100 km) in the morning of June 1st.
    await landBronze(lake, {
      name: "morning",
      ingestDate: "2024-06-01",
      readings: [
        reading({
          carChassis: "X1",
          currentMileage: 100,
          metricTimestamp: "2024-06-01T08:00:00Z",
          Manufacturer: "fiat",
        }),
      ],
    });
    await runPipeline();
    // Later that day it reads Jeep (200 km): silver keeps that reading only.
    await landBronze(lake, {
      name: "evening",
      ingestDate: "2024-06-01",
      readings: [
        reading({
          carChassis: "X1",
          currentMileage: 200,
          metricTimestamp: "2024-06-01T20:00:00Z",
          Manufacturer: "jeep",
        }),
      ],
    });
    // Act
    const summary = await runPipeline();
    // Assess
    const days = await silverDays();
    expect(days.map((d) => [d.car, d.manufacturer, d.mileage])).toEqual([["X1", "Jeep", 200]]);
    expect(rounded(await rows(MANUFACTURER_DAILY))).toEqual(rounded(expectedManufacturerDaily(days)));
    expect((await rows(MANUFACTURER_DAILY)).map((r) => [r.manufacturer, r.date, r.cars_reporting])).toEqual([
      ["Jeep", "2024-06-01", 1],
    ]);
    expect(rounded(await rows(CAR_MONTHLY))).toEqual(rounded(expectedCarMonthly(days)));
    expect(
      summary.tables.map(({ table, inserted, updated, deleted }) => ({ table, inserted, updated, deleted })),
    ).toEqual([
      { table: "gold.car_monthly", inserted: 0, updated: 1, deleted: 0 },
      { table: "gold.manufacturer_daily", inserted: 1, updated: 0, deleted: 1 },
    ]);
    const congregado = await getCongregado({
      doc: lake.doc,
      table: lake.names.Congregado!,
      id: "gold_manufacturer_daily",
    });
    expect(congregado).toMatchObject({ record_count: 1 });
  });

  it("lets medallion query read gold tables", async () => {
    // Prepare
    await landBronze(lake, {
      name: "q",
      readings: [reading({ carChassis: "A", currentMileage: 1000, metricTimestamp: "2024-01-05T08:00:00Z" })],
    });
    await runPipeline();
    // Act
    const [result] = await silver.engine.read("SELECT car, days_reported, last_mileage FROM gold.car_monthly");
    // Assess
    expect(result!.rows).toEqual([{ car: "A", days_reported: 1, last_mileage: 1000 }]);
  });
});
