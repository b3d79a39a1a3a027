import { expireVersions, recordSuperseded } from "@medallion/core/silver";
import { boxTable } from "@medallion/local/commands/query";
import type { TestLake } from "@medallion/testing/lake";
import type { SilverLake } from "@medallion/testing/silver";
import { landBronze, reading, startSilverLake } from "@medallion/testing/silver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

describe("silver consolidation on the embedded lake", () => {
  let lake: TestLake;
  let silver: SilverLake;
  beforeEach(async () => {
    silver = await startSilverLake();
    lake = silver.lake;
  });
  afterEach(() => silver?.close());

  it("keeps one row per car and day, the one with the highest mileage, across three uploads", async () => {
    // Prepare
    await landBronze(lake, {
      name: "upload-1",
      readings: [reading({ currentMileage: 4321, metricTimestamp: "2024-01-05T08:00:00Z" })],
    });
    await landBronze(lake, {
      name: "upload-2",
      readings: [reading({ currentMileage: 12000, metricTimestamp: "2024-01-05T18:00:00Z" })],
    });
    await landBronze(lake, {
      name: "upload-3",
      readings: [reading({ currentMileage: 8500, metricTimestamp: "2024-01-05T12:00:00Z" })],
    });
    // Act
    const summary = await silver.consolidate();
    const rows = await silver.rows();
    // Assess
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      carChassis: "CHASSIS-1",
      currentMileage: 12000,
      event_year: 2024,
      event_month: 1,
      event_day: 5,
    });
    expect(summary).toMatchObject({ files: 3, partitionsRewritten: 1, rowsIn: 3, rowsOut: 1, duplicatesRemoved: 2 });
  });

  it("shows the consolidated row through medallion query", async () => {
    // Prepare
    for (const [i, mileage] of [4321, 8500, 12000].entries()) {
      await landBronze(lake, {
        name: `upload-${i}`,
        readings: [reading({ currentMileage: mileage, metricTimestamp: `2024-01-05T0${i}:00:00Z` })],
      });
    }
    await silver.consolidate();
    // Act
    const [result] = await silver.engine.read("SELECT carChassis, currentMileage FROM silver.car_telemetry");
    const table = boxTable(result!);
    // Assess
    expect(result!.rows).toEqual([{ carChassis: "CHASSIS-1", currentMileage: 12000 }]);
    expect(table).toMatch(/│ CHASSIS-1\s+│\s+12000 │/);
  });

  it("cleanses, flattens and enriches from the spec, with NULL instead of Infinity", async () => {
    // Prepare
    await landBronze(lake, {
      name: "mixed",
      readings: [
        reading({
          carChassis: "A",
          Manufacturer: "  toyota MOTOR ",
          color: " ReD ",
          metricTimestamp: "2024-01-05T23:30:00-02:00",
        }),
        reading({
          carChassis: "B",
          metrics: { trip: { tripMileage: 50, tripFuelLiters: 0 }, fuel: { fuelAvailable: 10, fuelCapacity: 0 } },
        }),
        reading({ carChassis: "C", metrics: null }),
      ],
    });
    // Act
    await silver.consolidate();
    const rows = await silver.rows();
    // Assess
    expect(rows.map((r) => r.carChassis)).toEqual(["A", "B", "C"]);
    expect(rows[0]).toMatchObject({
      Manufacturer: "Toyota Motor",
      color: "red",
      metricTimestamp: "2024-01-06 01:30:00",
      event_day: 6,
      metrics_trip_tripMileage: 120,
      fuel_level_percentage: 50,
      km_per_liter: 12,
      _source_key: "car_telemetry/mixed.json",
    });
    expect(rows[1]).toMatchObject({ fuel_level_percentage: null, km_per_liter: null });
    expect(rows[2]).toMatchObject({
      metrics_fuel_fuelAvailable: null,
      fuel_level_percentage: null,
      km_per_liter: null,
    });
  });

  it("changes no object when run again with nothing new", async () => {
    // Prepare
    await landBronze(lake, { name: "upload-1", readings: [reading()] });
    await silver.consolidate();
    const before = await lake.keys("Silver");
    // Act
    const summary = await silver.consolidate();
    // Assess
    expect(summary).toMatchObject({ version: null, files: 0, partitionsRewritten: 0 });
    expect(await lake.keys("Silver")).toEqual(before);
  });

  it("changes nothing when the same files are ingested again", async () => {
    // Prepare
    await landBronze(lake, { name: "upload-1", readings: [reading()] });
    await silver.consolidate();
    const before = { keys: await lake.keys("Silver"), rows: await silver.rows() };
    // Act
    await landBronze(lake, { name: "upload-1", readings: [reading()] });
    const summary = await silver.consolidate();
    // Assess
    expect(summary.files).toBe(0);
    expect(await lake.keys("Silver")).toEqual(before.keys);
    expect(await silver.rows()).toEqual(before.rows);
  });

  it("rewrites only the late day's partition when late data arrives", async () => {
    // Prepare
    await landBronze(lake, {
      name: "history",
      readings: [
        reading({ metricTimestamp: "2024-01-01T10:00:00Z" }),
        reading({ metricTimestamp: "2024-01-02T10:00:00Z" }),
        reading({ metricTimestamp: "2024-01-03T10:00:00Z" }),
      ],
    });
    await silver.consolidate();
    const before = await silver.catalog.partitions({ database: "silver", name: "car_telemetry" });
    // Act
    await landBronze(lake, {
      name: "late",
      readings: [reading({ currentMileage: 5000, metricTimestamp: "2024-01-02T23:00:00Z" })],
    });
    const summary = await silver.consolidate();
    // Assess
    const after = await silver.catalog.partitions({ database: "silver", name: "car_telemetry" });
    const changed = after.filter((p) => before.find((b) => b.location === p.location) === undefined);
    expect(summary.partitionsRewritten).toBe(1);
    expect(changed.map((p) => p.values)).toEqual([{ event_year: 2024, event_month: 1, event_day: 2 }]);
    expect((await silver.rows()).map((r) => r.currentMileage)).toEqual([1000, 5000, 1000]);
  });

  it("keeps a replaced partition version for the retention period, then deletes it", async () => {
    // Prepare
    const start = new Date("2024-02-01T00:00:00Z");
    const day = 86_400_000;
    await landBronze(lake, { name: "first", readings: [reading({ currentMileage: 1 })] });
    await silver.consolidate({ now: start });
    const [first] = await silver.catalog.partitions({ database: "silver", name: "car_telemetry" });
    await landBronze(lake, { name: "second", readings: [reading({ currentMileage: 2 })] });
    await silver.consolidate({ now: start });
    const firstPrefix = first!.location.replace(`s3://${lake.names.Silver}/`, "");
    // Act
    const early = await silver.consolidate({ now: new Date(start.getTime() + 6 * day) });
    const keptKeys = await lake.keys("Silver", firstPrefix);
    const late = await silver.consolidate({ now: new Date(start.getTime() + 7 * day) });
    // Assess
    expect(early.versionsExpired).toBe(0);
    expect(keptKeys.length).toBeGreaterThan(0);
    expect(late.versionsExpired).toBe(1);
    expect(await lake.keys("Silver", firstPrefix)).toEqual([]);
    expect(await lake.keys("Silver", "_retention/")).toEqual([]);
    expect((await silver.rows()).map((r) => r.currentMileage)).toEqual([2]);
  });

  it("never deletes a replaced version the catalog still points at", async () => {
    // Prepare: a marker written before a swap that never happened (a crash in between).
    await landBronze(lake, { name: "only", readings: [reading()] });
    await silver.consolidate();
    const [current] = await silver.catalog.partitions({ database: "silver", name: "car_telemetry" });
    await recordSuperseded({
      s3: lake.s3,
      bucket: lake.names.Silver!,
      dataset: "car_telemetry",
      partitions: [current!],
      at: new Date("2024-01-01T00:00:00Z"),
    });
    // Act
    const expired = await expireVersions({
      s3: lake.s3,
      bucket: lake.names.Silver!,
      dataset: "car_telemetry",
      table: { database: "silver", name: "car_telemetry" },
      catalog: silver.catalog,
      retentionDays: 7,
      now: new Date("2024-03-01T00:00:00Z"),
    });
    // Assess
    expect(expired).toBe(0);
    expect(await lake.keys("Silver", "_retention/")).toEqual([]);
    expect(await silver.rows()).toHaveLength(1);
  });
});
