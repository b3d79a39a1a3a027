import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { DuckDBInstance } from "@duckdb/node-api";
import type { LedgerEntry } from "@medallion/core/ledger";
import { getLedgerEntry } from "@medallion/core/ledger";
import type { JourneyJson } from "@medallion/local/commands/journeys";
import { medallion } from "@medallion/testing/cli";
import { withLakeOn } from "@medallion/testing/lake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A file that passes silver but breaks gold. Hubs send a numeric code as a string, and the gold
// table keys on it as an integer (a cast in its dimension). One feed sends "LIS-7": a string, so
// the spec and silver take it, but gold's cast to integer fails on it. Silver is committed before
// gold runs, so the failure path rolls that commit back; the run then bisects to the file, sets it
// aside and succeeds, and silver and gold hold exactly the other files. Once the bronze object is
// fixed, `redrive` brings it back.
const DATASET = "parcel_gold_poison";
const specText = `
export default {
  name: "${DATASET}",
  landingPrefix: "parcels/gold-poison/",
  fields: [
    { name: "parcel", type: "string", required: true },
    { name: "scanned_at", type: "timestamp", required: true },
    { name: "hub_code", type: "string" },
  ],
  silver: {
    partition: { from: "scanned_at", year: "scan_year", month: "scan_month", day: "scan_day" },
    dedup: { key: ["parcel", "scan_year", "scan_month", "scan_day"], order: [{ column: "scanned_at", descending: true }] },
    retentionDays: 3,
  },
  gold: {
    database: "gold",
    tables: [{
      name: "hub_daily_poison",
      key: ["hub", "day"],
      dimensions: [
        { name: "hub", type: "integer", expr: { kind: "cast", expr: { kind: "column", path: ["hub_code"] }, type: "integer" } },
        { name: "day", type: "date", expr: { kind: "date", of: { kind: "column", path: ["scanned_at"] } } },
        { name: "year", type: "integer", expr: { kind: "column", path: ["scan_year"] } },
        { name: "month", type: "integer", expr: { kind: "column", path: ["scan_month"] } },
      ],
      aggregates: [{ name: "scans", kind: "count" }],
      partitionBy: ["year", "month"],
      window: "day",
    }],
  },
};
`;

const scans = (file: string, hubCode: string) =>
  [0, 1]
    .map((i) => JSON.stringify({ parcel: `${file}-${i}`, scanned_at: `2024-07-01T0${i}:00:00Z`, hub_code: hubCode }))
    .join("\n");

describe("a file that breaks gold is set aside", () => {
  let root: string;
  let dataDir: string;
  let specFile: string;
  const landing = () => join(root, "landing");
  const goodFiles = ["g1", "g2", "g3"];
  const cli = (args: string[]) => medallion([...args, "--spec", specFile, "--json", "--data-dir", dataDir]);
  const query = async (sql: string) => {
    const result = await medallion(["query", sql, "--spec", specFile, "--json", "--data-dir", dataDir]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout).results[0].rows as Record<string, unknown>[];
  };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-setaside-gold-e2e-"));
    dataDir = join(root, "state");
    specFile = join(root, "parcel-gold-poison.ts");
    await writeFile(specFile, specText);
    await mkdir(landing(), { recursive: true });
    await writeFile(join(landing(), "poison.ndjson"), scans("POISON", "LIS-7"));
    for (const [n, file] of goodFiles.entries())
      await writeFile(join(landing(), `${file}.ndjson`), scans(file.toUpperCase(), String(n + 1)));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("rolls back silver, sets the file aside within the run, and redrives it once fixed", async () => {
    // Act: one run takes the poison and the good files in one window
    const run = await cli(["run", "--landing", landing()]);

    // Assess: the run succeeds, the poison set aside for its gold failure
    expect(run.code, run.stderr).toBe(0);
    const journeys = JSON.parse((await cli(["journeys"])).stdout);
    expect(journeys.setAside).toHaveLength(1);
    const [aside] = journeys.setAside;
    expect(aside).toMatchObject({ dataset: DATASET, failedStep: "gold" });
    const poison = (await withLakeOn(dataDir, (lake) =>
      getLedgerEntry(lake.doc, lake.names.Ledger!, DATASET, aside.fileId),
    )) as LedgerEntry;
    expect(poison).toMatchObject({ status: "set_aside", failed_step: "gold" });
    expect(poison.source_key).toContain("poison.ndjson");
    expect(poison.last_error).toContain("LIS-7");
    const failed = journeys.journeys.flatMap((journey: JourneyJson) =>
      journey.steps.filter((step) => step.step === "plan_failed"),
    );
    expect(failed.length).toBeGreaterThan(0);
    // Silver and gold hold exactly the good files, as an independent count of them says
    const duck = await (await DuckDBInstance.create()).connect();
    const landed = goodFiles.map((file) => `'${join(landing(), `${file}.ndjson`)}'`).join(", ");
    const expected = (
      await duck.runAndReadAll(`SELECT count(DISTINCT parcel)::INT AS n FROM read_json([${landed}])`)
    ).getRowObjectsJson();
    expect(expected).toEqual([{ n: 6 }]);
    expect(await query(`SELECT count(DISTINCT parcel)::INT AS n FROM silver.${DATASET}`)).toEqual(expected);
    expect(await query("SELECT sum(scans)::INT AS n FROM gold.hub_daily_poison")).toEqual(expected);

    // Act: fix the bronze object (the feed's code for Lisbon is 7), then redrive
    await withLakeOn(dataDir, async (lake) => {
      const object = await lake.s3.send(new GetObjectCommand({ Bucket: lake.names.Bronze, Key: poison.bronze_key }));
      const bad = join(root, "poison-bad.parquet");
      const good = join(root, "poison-good.parquet");
      await writeFile(bad, await object.Body!.transformToByteArray());
      await duck.run(`COPY (SELECT * REPLACE ('7' AS hub_code) FROM read_parquet('${bad}')) TO '${good}'`);
      await lake.s3.send(
        new PutObjectCommand({ Bucket: lake.names.Bronze, Key: poison.bronze_key, Body: await readFile(good) }),
      );
    });
    duck.closeSync();
    const redrive = await cli(["redrive"]);

    // Assess: the file is back, in silver and in gold
    expect(redrive.code, redrive.stderr).toBe(0);
    const redriven = JSON.parse(redrive.stdout);
    expect(redriven.setAside).toEqual([expect.objectContaining({ fileId: poison.file_id, failedStep: "gold" })]);
    expect(redriven.pipeline.status).toBe("SUCCEEDED");
    expect(await query(`SELECT count(DISTINCT parcel)::INT AS n FROM silver.${DATASET}`)).toEqual([{ n: 8 }]);
    expect(await query("SELECT sum(scans)::INT AS n FROM gold.hub_daily_poison WHERE hub = 7")).toEqual([{ n: 2 }]);
  }, 300_000);
});
