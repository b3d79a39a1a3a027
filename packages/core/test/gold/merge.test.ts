import type { MemoryEngine, SilverDay } from "@medallion/testing/gold";
import {
  createSilver,
  expectedCarMonthly,
  expectedManufacturerDaily,
  memoryEngine,
  putSilver,
  rounded,
  silverRows,
} from "@medallion/testing/gold";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { carMonthly, carTelemetryGold, manufacturerDaily } from "../../src/dataset/car-telemetry-gold";
import type { DatasetSpec } from "../../src/dataset/spec";
import { DuplicateSourceKeyError, GoldSpecError } from "../../src/gold/errors";
import { statementText } from "../../src/gold/limits";
import type { MergeGoldOptions } from "../../src/gold/merge";
import { mergeGold } from "../../src/gold/merge";
import type { GoldSpec, GoldTable } from "../../src/gold/spec";
import { hasGold } from "../../src/gold/spec";
import type { GoldMerge } from "../../src/gold/statements";
import { mergeCountsStatement, mergeStatement } from "../../src/gold/statements";
import { column } from "../../src/sql/ast";

const CAR_MONTHLY = `SELECT * FROM gold.car_monthly ORDER BY car, year, month`;
const MANUFACTURER_DAILY = `SELECT * EXCLUDE (date), strftime(date, '%Y-%m-%d') AS date FROM gold.manufacturer_daily ORDER BY manufacturer, date`;

describe("mergeGold on DuckDB", () => {
  let engine: MemoryEngine;
  const merge = (partitions: Record<string, number>[], overrides: Partial<MergeGoldOptions> = {}) =>
    mergeGold({
      engine,
      spec: carTelemetry,
      gold: carTelemetryGold,
      partitions,
      silver: { database: "silver", name: "car_telemetry" },
      ...overrides,
    });
  const gold = async () => ({
    carMonthly: await engine.rows(CAR_MONTHLY),
    manufacturerDaily: await engine.rows(MANUFACTURER_DAILY),
  });
  const expectMatchesSilver = async () => {
    const silver = await silverRows(engine);
    const { carMonthly: monthly, manufacturerDaily: daily } = await gold();
    expect(rounded(monthly)).toEqual(rounded(expectedCarMonthly(silver)));
    expect(rounded(daily)).toEqual(rounded(expectedManufacturerDaily(silver)));
  };

  beforeEach(async () => {
    engine = await memoryEngine();
    await createSilver(engine);
  });
  afterEach(() => engine.close());

  it("inserts every group on the first run, with values equal to an independent computation from silver", async () => {
    // Prepare
    const partitions = await putSilver(engine, [
      { car: "A", at: "2024-01-05T08:00:00", mileage: 1000, tripKm: 120, tripLiters: 10, fuelPct: 80 },
      { car: "A", at: "2024-01-07T09:00:00", mileage: 1300, tripKm: 90, tripLiters: 6, fuelPct: 40 },
      {
        car: "B",
        at: "2024-01-05T10:00:00",
        mileage: 500,
        manufacturer: "Honda",
        tripKm: 50,
        tripLiters: 0,
        fuelPct: null,
      },
      { car: "C", at: "2024-01-05T11:00:00", mileage: 700, manufacturer: null, tripKm: null, tripLiters: null },
      { car: "A", at: "2024-02-01T07:00:00", mileage: 1500, tripKm: 30, tripLiters: 2, fuelPct: 70 },
    ]);
    // Act
    const summary = await merge(partitions);
    // Assess
    await expectMatchesSilver();
    expect(summary.tables).toMatchObject([
      {
        table: "gold.car_monthly",
        windows: 2,
        statements: 1,
        sourceRows: 4,
        inserted: 4,
        updated: 0,
        unchanged: 0,
        rowCount: 4,
      },
      {
        table: "gold.manufacturer_daily",
        windows: 3,
        statements: 1,
        sourceRows: 5,
        inserted: 5,
        updated: 0,
        unchanged: 0,
        rowCount: 5,
      },
    ]);
  });

  it("updates the row of a known car and day, inserts new ones, and leaves every other row untouched", async () => {
    // Prepare
    await merge(
      await putSilver(engine, [
        { car: "A", at: "2024-01-05T08:00:00", mileage: 1000 },
        { car: "B", at: "2024-01-05T09:00:00", mileage: 2000 },
        { car: "A", at: "2024-01-06T08:00:00", mileage: 1100, fuelPct: 45 },
        { car: "B", at: "2024-01-06T09:00:00", mileage: 2100, manufacturer: "Honda" },
      ]),
    );
    const before = await gold();
    // A later reading for car A on the 6th replaces silver's row; car C appears that day.
    const partitions = await putSilver(engine, [
      { car: "A", at: "2024-01-06T20:00:00", mileage: 1250, tripKm: 150, fuelPct: 20 },
      { car: "C", at: "2024-01-06T10:00:00", mileage: 300, manufacturer: "Fiat" },
    ]);
    // Act
    const summary = await merge(partitions);
    // Assess
    await expectMatchesSilver();
    const after = await gold();
    expect(after.carMonthly.find((r) => r.car === "A")).toMatchObject({
      last_mileage: 1250,
      distance_driven_km: 250,
      last_fuel_level_percentage: 20,
    });
    expect(after.carMonthly.find((r) => r.car === "B")).toEqual(before.carMonthly.find((r) => r.car === "B"));
    expect(after.manufacturerDaily.filter((r) => r.date === "2024-01-05")).toEqual(
      before.manufacturerDaily.filter((r) => r.date === "2024-01-05"),
    );
    expect(after.manufacturerDaily.find((r) => r.manufacturer === "Honda")).toEqual(
      before.manufacturerDaily.find((r) => r.manufacturer === "Honda"),
    );
    expect(summary.tables).toMatchObject([
      { table: "gold.car_monthly", inserted: 1, updated: 1, unchanged: 1 },
      { table: "gold.manufacturer_daily", inserted: 1, updated: 1, unchanged: 1 },
    ]);
  });

  it("leaves gold identical when the same window is merged again", async () => {
    // Prepare
    const partitions = await putSilver(engine, [
      { car: "A", at: "2024-01-05T08:00:00", mileage: 1000, tripKm: 0.1, tripLiters: 0.3 },
      { car: "A", at: "2024-01-06T08:00:00", mileage: 1100, tripKm: 0.2, tripLiters: 0.7 },
      { car: "B", at: "2024-01-06T09:00:00", mileage: 2000, manufacturer: "Honda" },
    ]);
    await merge(partitions);
    const before = await gold();
    // Act
    const summary = await merge(partitions);
    // Assess
    expect(await gold()).toEqual(before);
    expect(summary.tables.map(({ inserted, updated, unchanged }) => ({ inserted, updated, unchanged }))).toEqual([
      { inserted: 0, updated: 0, unchanged: 2 },
      { inserted: 0, updated: 0, unchanged: 3 },
    ]);
  });

  it("updates only the late day's rows when late data arrives for an old day", async () => {
    // Prepare
    await merge(
      await putSilver(engine, [
        { car: "A", at: "2024-01-03T08:00:00", mileage: 900 },
        { car: "A", at: "2024-01-05T08:00:00", mileage: 1000 },
        { car: "B", at: "2024-01-05T08:00:00", mileage: 5000 },
        { car: "A", at: "2024-02-10T08:00:00", mileage: 1800 },
      ]),
    );
    const before = await gold();
    // Act
    const summary = await merge(
      await putSilver(engine, [{ car: "A", at: "2024-01-05T23:00:00", mileage: 1040, tripKm: 300, fuelPct: 10 }]),
    );
    // Assess
    await expectMatchesSilver();
    const after = await gold();
    const changedDaily = after.manufacturerDaily.filter(
      (row, i) => JSON.stringify(row) !== JSON.stringify(before.manufacturerDaily[i]),
    );
    expect(changedDaily.map((r) => r.date)).toEqual(["2024-01-05"]);
    const changedMonthly = after.carMonthly.filter(
      (row, i) => JSON.stringify(row) !== JSON.stringify(before.carMonthly[i]),
    );
    expect(changedMonthly.map((r) => [r.car, r.month])).toEqual([["A", 1]]);
    expect(summary.tables).toMatchObject([
      { windows: 1, inserted: 0, updated: 1 },
      { windows: 1, inserted: 0, updated: 1 },
    ]);
  });

  it("deletes the old group's row when a car's manufacturer changes within a recomputed day, and reports it", async () => {
    // Prepare: X1 reads Fiat in the morning; another Fiat car keeps Fiat alive on the 2nd.
    await merge(
      await putSilver(engine, [
        { car: "X1", at: "2024-06-01T08:00:00", mileage: 100, manufacturer: "Fiat" },
        { car: "Y1", at: "2024-06-02T08:00:00", mileage: 500, manufacturer: "Fiat" },
      ]),
    );
    const before = await gold();
    // Later that day X1 reads Jeep with a higher mileage: silver keeps only that reading.
    const partitions = await putSilver(engine, [
      { car: "X1", at: "2024-06-01T20:00:00", mileage: 200, manufacturer: "Jeep" },
    ]);
    // Act
    const summary = await merge(partitions);
    // Assess
    await expectMatchesSilver();
    const { manufacturerDaily: daily } = await gold();
    expect(daily.map((r) => [r.manufacturer, r.date, r.cars_reporting])).toEqual([
      ["Fiat", "2024-06-02", 1],
      ["Jeep", "2024-06-01", 1],
    ]);
    expect(daily.find((r) => r.date === "2024-06-02")).toEqual(
      before.manufacturerDaily.find((r) => r.date === "2024-06-02"),
    );
    expect(summary.tables).toMatchObject([
      { table: "gold.car_monthly", inserted: 0, updated: 1, deleted: 0, unchanged: 1 },
      { table: "gold.manufacturer_daily", inserted: 1, updated: 0, deleted: 1, unchanged: 0, rowCount: 2 },
    ]);
  });

  it("changes nothing when the window whose group vanished is merged again", async () => {
    // Prepare
    await merge(
      await putSilver(engine, [{ car: "X1", at: "2024-06-01T08:00:00", mileage: 100, manufacturer: "Fiat" }]),
    );
    const partitions = await putSilver(engine, [
      { car: "X1", at: "2024-06-01T20:00:00", mileage: 200, manufacturer: "Jeep" },
    ]);
    await merge(partitions);
    const before = await gold();
    // Act
    const summary = await merge(partitions);
    // Assess
    expect(await gold()).toEqual(before);
    expect(
      summary.tables.map(({ inserted, updated, deleted, unchanged }) => ({ inserted, updated, deleted, unchanged })),
    ).toEqual([
      { inserted: 0, updated: 0, deleted: 0, unchanged: 1 },
      { inserted: 0, updated: 0, deleted: 0, unchanged: 1 },
    ]);
  });

  it("deletes every gold row of a window whose silver partition is now empty", async () => {
    // Prepare
    await merge(
      await putSilver(engine, [
        { car: "A", at: "2024-01-05T08:00:00", mileage: 1000, manufacturer: "Honda" },
        { car: "A", at: "2024-02-05T08:00:00", mileage: 1100, manufacturer: "Honda" },
      ]),
    );
    // Silver dropped January 5th (e.g. a reprocessed day with no valid readings left).
    await engine.sql("DELETE FROM silver.car_telemetry WHERE event_year = 2024 AND event_month = 1 AND event_day = 5");
    // Act
    const summary = await merge([{ event_year: 2024, event_month: 1, event_day: 5 }]);
    // Assess
    await expectMatchesSilver();
    expect((await gold()).carMonthly.map((r) => [r.car, r.month])).toEqual([["A", 2]]);
    expect(summary.tables.map(({ sourceRows, deleted, rowCount }) => ({ sourceRows, deleted, rowCount }))).toEqual([
      { sourceRows: 0, deleted: 1, rowCount: 1 },
      { sourceRows: 0, deleted: 1, rowCount: 1 },
    ]);
  });

  it("deletes vanished groups window by window when the merge is split into several statements", async () => {
    // Prepare: three days of three months (three gold partitions), each car switching brand later in its day.
    const morning = ["06", "07", "08"].map(
      (month, i): SilverDay => ({ car: `X${i}`, at: `2024-${month}-01T08:00:00`, mileage: 100, manufacturer: "Fiat" }),
    );
    const evening = ["06", "07", "08"].map(
      (month, i): SilverDay => ({ car: `X${i}`, at: `2024-${month}-01T20:00:00`, mileage: 200, manufacturer: "Jeep" }),
    );
    await merge(await putSilver(engine, morning));
    const partitions = await putSilver(engine, evening);
    // Act
    const summary = await merge(partitions, { maxPartitionsPerStatement: 2 });
    // Assess
    await expectMatchesSilver();
    expect(summary.tables[1]).toMatchObject({ statements: 2, inserted: 3, deleted: 3, rowCount: 3 });
  });

  it("refuses a gold table none of whose dimensions ties its rows to silver's windows, before any statement runs", async () => {
    // Prepare: a per-manufacturer daily table that keeps neither the date nor the day.
    const loose: GoldTable = {
      ...manufacturerDaily,
      name: "manufacturer_loose",
      key: ["manufacturer"],
      dimensions: [manufacturerDaily.dimensions[0]!],
      partitionBy: [],
    };
    const partitions = await putSilver(engine, [{ car: "A", at: "2024-01-05T08:00:00", mileage: 1000 }]);
    // Act
    const failure = merge(partitions, { gold: { tables: [loose] } });
    // Assess
    await expect(failure).rejects.toThrow(GoldSpecError);
    await expect(failure).rejects.toThrow(
      /manufacturer_loose: cannot tell which of its rows a recomputed day owns.*event_year, event_month, event_day or the date of metricTimestamp/,
    );
    expect(engine.log.filter((sql) => /gold/.test(sql))).toEqual([]);
  });

  it("recomputes a month from all its silver days, whichever day arrived", async () => {
    // Prepare
    const days: SilverDay[] = Array.from({ length: 5 }, (_, i) => ({
      car: "A",
      at: `2024-03-${String(10 + i).padStart(2, "0")}T12:00:00`,
      mileage: 100 * (i + 1),
      tripKm: i + 1,
      tripLiters: 1,
    }));
    await merge(await putSilver(engine, days.slice(0, 4)));
    // Act: only the last day's partition is named, the month row must still cover all five days.
    await merge(await putSilver(engine, days.slice(4)));
    // Assess
    expect((await gold()).carMonthly).toMatchObject([
      {
        car: "A",
        days_reported: 5,
        first_mileage: 100,
        last_mileage: 500,
        trip_distance_km: 15,
        trip_fuel_liters: 5,
        km_per_liter: 3,
      },
    ]);
  });

  it("splits the merge into statements of at most the partition limit and gets the same gold", async () => {
    // Prepare
    const partitions = await putSilver(engine, [
      { car: "A", at: "2024-01-05T08:00:00", mileage: 1000 },
      { car: "A", at: "2024-02-05T08:00:00", mileage: 1100 },
      { car: "A", at: "2024-03-05T08:00:00", mileage: 1200 },
    ]);
    // Act
    const summary = await merge(partitions, { maxPartitionsPerStatement: 2 });
    // Assess
    await expectMatchesSilver();
    expect(summary.tables.map((t) => [t.windows, t.statements])).toEqual([
      [3, 2],
      [3, 2],
    ]);
    expect(engine.log.filter((sql) => sql.startsWith("MERGE INTO"))).toHaveLength(4);
  });

  it("keeps every statement of a chunk, the pre-merge counts included, under the query-text limit", async () => {
    // Prepare: the limit fits the longest statement of one month exactly, so no two months may share a statement.
    const partitions = await putSilver(engine, [
      { car: "A", at: "2024-01-05T08:00:00", mileage: 1000 },
      { car: "A", at: "2024-02-05T08:00:00", mileage: 1100 },
      { car: "A", at: "2024-03-05T08:00:00", mileage: 1200 },
    ]);
    const oneMonth: GoldMerge = {
      table: carMonthly,
      silver: { database: "silver", name: "car_telemetry" },
      windows: [{ event_year: 2024, event_month: 1 }],
      database: "gold",
      partition: carTelemetry.silver.partition,
    };
    const limit = Math.max(
      ...[mergeCountsStatement(oneMonth), mergeStatement(oneMonth)].map((statement) =>
        Buffer.byteLength(statementText(statement, "duckdb")),
      ),
    );
    // Act
    const summary = await merge(partitions, { gold: { tables: [carMonthly] }, maxQueryBytes: limit });
    // Assess
    expect(rounded(await engine.rows(CAR_MONTHLY))).toEqual(rounded(expectedCarMonthly(await silverRows(engine))));
    expect(summary.tables[0]).toMatchObject({ windows: 3, statements: 3, inserted: 3 });
    const sizes = engine.log
      .filter((sql) => /^MERGE INTO|AS "source_rows"/.test(sql))
      .map((sql) => Buffer.byteLength(sql));
    expect(sizes).toHaveLength(6);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(limit);
  });

  it("fails naming the duplicated source key and leaves every gold table unchanged", async () => {
    // Prepare
    await merge(await putSilver(engine, [{ car: "A", at: "2024-01-05T08:00:00", mileage: 1000 }]));
    const carOnly: GoldTable = { ...carMonthly, name: "car_latest", key: ["car"], partitionBy: [] };
    await merge([], { gold: { tables: [carMonthly, carOnly] } });
    const before = { ...(await gold()), carLatest: await engine.rows("SELECT * FROM gold.car_latest") };
    // Two months of car A give two source rows for the key car = A.
    const partitions = await putSilver(engine, [
      { car: "A", at: "2024-01-06T08:00:00", mileage: 1100 },
      { car: "A", at: "2024-02-01T08:00:00", mileage: 1300 },
    ]);
    // Act
    const failure = merge(partitions, { gold: { tables: [carMonthly, carOnly] } });
    // Assess
    await expect(failure).rejects.toThrow(DuplicateSourceKeyError);
    await expect(failure).rejects.toThrow(/gold\.car_latest.*car=A \(2 rows\)/);
    expect({ ...(await gold()), carLatest: await engine.rows("SELECT * FROM gold.car_latest") }).toEqual(before);
  });

  it("refuses a NULL part in the merge key, naming it", async () => {
    // Prepare
    const raw: GoldTable = {
      ...manufacturerDaily,
      name: "raw_manufacturer",
      dimensions: [
        { name: "manufacturer", type: "varchar", expr: column("Manufacturer") },
        ...manufacturerDaily.dimensions.slice(1),
      ],
    };
    const partitions = await putSilver(engine, [
      { car: "A", at: "2024-01-05T08:00:00", mileage: 1000, manufacturer: null },
    ]);
    // Act
    const failure = merge(partitions, { gold: { tables: [raw] } });
    // Assess
    await expect(failure).rejects.toThrow(/manufacturer=NULL, date=2024-01-05 \(1 row\)/);
    expect(await engine.rows("SELECT count(*) AS n FROM gold.raw_manufacturer")).toEqual([{ n: 0 }]);
  });

  it("rejects a dataset without a gold section, and reads one from the spec", async () => {
    // Prepare
    const { gold: _none, ...plain } = carTelemetry as DatasetSpec & { gold?: GoldSpec };
    const withGold = { ...plain, gold: carTelemetryGold } as DatasetSpec;
    const silver = { database: "silver", name: "car_telemetry" };
    // Act
    const merged = await mergeGold({ engine, spec: withGold, partitions: [], silver });
    const failure = mergeGold({ engine, spec: plain, partitions: [], silver });
    // Assess
    await expect(failure).rejects.toThrow(/dataset car_telemetry has no gold section/);
    await expect(failure).rejects.toThrow(GoldSpecError);
    expect([hasGold(plain), hasGold(withGold)]).toEqual([false, true]);
    expect(merged.tables.map((t) => t.table)).toEqual(["gold.car_monthly", "gold.manufacturer_daily"]);
  });
});
