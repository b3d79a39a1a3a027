import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { athena } from "@medallion/core/limits";
import { medallion } from "@medallion/testing/cli";
import { expectedCarMonthly, expectedManufacturerDaily, rounded } from "@medallion/testing/gold";
import { carHistory } from "@medallion/testing/history";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const DAYS = 1_600;
const CAR_MONTHLY = "SELECT * FROM gold.car_monthly ORDER BY car, year, month";
const MANUFACTURER_DAILY =
  "SELECT * EXCLUDE (date), strftime(date, '%Y-%m-%d') AS date FROM gold.manufacturer_daily ORDER BY manufacturer, date";

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
      const { lines, kept } = carHistory(DAYS);
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
