import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { athena } from "@medallion/core/limits";
import { medallion } from "@medallion/testing/cli";
import type { SilverDay } from "@medallion/testing/gold";
import { expectedCarMonthly, expectedManufacturerDaily, rounded } from "@medallion/testing/gold";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const DAYS = 1_600;
const CARS = ["CAR-A", "CAR-B", "CAR-C", "CAR-D", "CAR-E", "CAR-F"];
const MAKERS = ["toyota", "honda", "ford"];
const CAR_MONTHLY = "SELECT * FROM gold.car_monthly ORDER BY car, year, month";
const MANUFACTURER_DAILY =
  "SELECT * EXCLUDE (date), strftime(date, '%Y-%m-%d') AS date FROM gold.manufacturer_daily ORDER BY manufacturer, date";

// Five years of daily readings of six cars in one NDJSON file (~10k records), with a lower,
// earlier reading of the same car and day now and then (silver keeps the higher mileage).
function history(): { lines: string[]; kept: SilverDay[] } {
  const lines: string[] = [];
  const kept: SilverDay[] = [];
  for (let day = 0; day < DAYS; day++) {
    for (const [c, car] of CARS.entries()) {
      const at = new Date(Date.UTC(2019, 0, 1 + day, 8 + c)).toISOString();
      const maker = MAKERS[c % MAKERS.length]!;
      const reading = (mileage: number, trip: number, liters: number, fuel: number, time: string) =>
        JSON.stringify({
          carChassis: car,
          currentMileage: mileage,
          metricTimestamp: time,
          Manufacturer: maker,
          metrics: {
            trip: { tripMileage: trip, tripFuelLiters: liters },
            fuel: { fuelAvailable: fuel, fuelCapacity: 60 },
          },
        });
      const mileage = 1_000 + day * 50 + c;
      lines.push(reading(mileage, 40 + c, 4, 30 + (day % 7), at));
      if ((day + c) % 25 === 0) lines.push(reading(mileage - 100, 1, 1, 1, at.replace(":00:00", ":00:01")));
      kept.push({
        car,
        at: at.slice(0, 19),
        mileage,
        manufacturer: maker[0]!.toUpperCase() + maker.slice(1),
        tripKm: 40 + c,
        tripLiters: 4,
        fuelPct: ((30 + (day % 7)) / 60) * 100,
      });
    }
  }
  return { lines, kept };
}

describe("a history backfill: one landing file over 1,600 days, one `medallion run`", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "medallion-history-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it(
    "consolidates every day into silver, 100 partitions per statement at most, and gold is exact",
    async () => {
      // Prepare
      const { lines, kept } = history();
      const landing = join(dir, "landing");
      await mkdir(landing);
      await writeFile(join(landing, "history.ndjson"), lines.join("\n"));
      const dataDir = join(dir, "data");
      // Act
      const run = await medallion(["run", "--landing", landing, "--json", "--data-dir", dataDir], {
        timeoutMs: 15 * 60_000,
      });
      // Assess
      expect(run.code, run.stderr.slice(-3_000)).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(lines.length).toBeGreaterThan(9_900);
      expect(summary.totals).toMatchObject({ recordsIn: lines.length, recordsBronze: lines.length });
      expect(summary.pipeline.status).toBe("SUCCEEDED");
      expect(summary.pipeline.silver).toMatchObject({
        partitionsRewritten: DAYS,
        newRows: lines.length,
        rowsAfter: kept.length,
        duplicatesRemoved: lines.length - kept.length,
      });
      // The embedded engine refuses an UNLOAD of more than 100 partitions, as Athena does: the
      // plan ran as one statement per 100 days.
      const queries = summary.pipeline.states.filter(
        (s: { state: string; event: string }) => s.state === "RunSilverQuery" && s.event === "succeeded",
      );
      expect(queries).toHaveLength(Math.ceil(DAYS / athena.maxPartitionsPerWrite));
      // Gold, read from the lake's DuckDB file once the run has ended (thousands of rows).
      const instance = await DuckDBInstance.create(join(dataDir, "lake.duckdb"), { access_mode: "READ_ONLY" });
      const lake = await instance.connect();
      const rows = async (sql: string) =>
        (await lake.runAndReadAll(sql))
          .getRowObjectsJson()
          .map((row) =>
            Object.fromEntries(
              Object.entries(row).map(([k, v]) => [k, typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v]),
            ),
          );
      try {
        expect(rounded(await rows(CAR_MONTHLY))).toEqual(rounded(expectedCarMonthly(kept)));
        expect(rounded(await rows(MANUFACTURER_DAILY))).toEqual(rounded(expectedManufacturerDaily(kept)));
      } finally {
        lake.closeSync();
        instance.closeSync();
      }
    },
    20 * 60_000,
  );
});
