import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// One dataset whose spec changes between runs, as a user's does the week after it ships.
const col = (name: string) => `{ kind: "column", path: ["${name}"] }`;
const specText = ({
  fields,
  derived = "",
  aggregates = "",
}: {
  fields: string;
  derived?: string;
  aggregates?: string;
}) => `
export default {
  name: "parcel_evolve",
  landingPrefix: "parcels/evolve/",
  fields: [
    { name: "parcel", type: "string", required: true },
    { name: "scanned_at", type: "timestamp", required: true },
    ${fields}
  ],
  silver: {
    partition: { from: "scanned_at", year: "scan_year", month: "scan_month", day: "scan_day" },
    dedup: { key: ["parcel", "scan_year", "scan_month", "scan_day"], order: [{ column: "scanned_at", descending: true }] },
    derived: [${derived}],
    retentionDays: 3,
  },
  gold: {
    database: "gold",
    tables: [{
      name: "hub_daily",
      key: ["hub", "day"],
      dimensions: [
        { name: "hub", type: "varchar", expr: ${col("hub")} },
        { name: "day", type: "date", expr: { kind: "date", of: ${col("scanned_at")} } },
        { name: "year", type: "integer", expr: ${col("scan_year")} },
        { name: "month", type: "integer", expr: ${col("scan_month")} },
      ],
      aggregates: [{ name: "scans", kind: "count" }${aggregates}],
      partitionBy: ["year", "month"],
      window: "day",
    }],
  },
};
`;

const v1 = specText({
  fields: `{ name: "hub", type: "string" }, { name: "pieces", type: "integer" },
    { name: "weight", type: "struct", fields: [{ name: "kg", type: "double" }] },`,
});
// Compatible: a new optional field, a struct field, integer → double, a derived column, a gold aggregate.
const v2 = specText({
  fields: `{ name: "hub", type: "string" }, { name: "pieces", type: "double" }, { name: "note", type: "string" },
    { name: "weight", type: "struct", fields: [{ name: "kg", type: "double" }, { name: "cm", type: "double" }] },`,
  derived: `{ name: "kg_per_cm", kind: "ratio", numerator: "weight_kg", denominator: "weight_cm" }`,
  aggregates: `, { name: "total_kg", kind: "sum", of: ${col("weight_kg")} }`,
});
// Incompatible: hub was text, now a double.
const v3 = v2.replace(`{ name: "hub", type: "string" }`, `{ name: "hub", type: "double" }`);
// Compatible again: one more gold aggregate.
const v4 = specText({
  fields: `{ name: "hub", type: "string" }, { name: "pieces", type: "double" }, { name: "note", type: "string" },
    { name: "weight", type: "struct", fields: [{ name: "kg", type: "double" }, { name: "cm", type: "double" }] },`,
  derived: `{ name: "kg_per_cm", kind: "ratio", numerator: "weight_kg", denominator: "weight_cm" }`,
  aggregates: `, { name: "total_kg", kind: "sum", of: ${col("weight_kg")} }, { name: "max_pieces", kind: "max", of: ${col("pieces")} }`,
});

describe("a dataset whose spec changes", () => {
  let root: string;
  let dataDir: string;
  const specFile = (version: string) => join(root, `${version}.ts`);
  const landing = (day: string) => join(root, "landing", day);
  const query = async (version: string, sql: string) => {
    const result = await medallion(["query", "--spec", specFile(version), "--json", "--data-dir", dataDir, sql]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout).results[0].rows as Record<string, unknown>[];
  };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-evolve-e2e-"));
    dataDir = join(root, "state");
    for (const [name, text] of Object.entries({ v1, v2, v3, v4 })) await writeFile(specFile(name), text);
    await mkdir(landing("day1"), { recursive: true });
    await writeFile(
      join(landing("day1"), "scans.ndjson"),
      [
        { parcel: "P1", scanned_at: "2024-07-01T08:00:00Z", hub: "lis", pieces: 2, weight: { kg: 2 } },
        { parcel: "P2", scanned_at: "2024-07-01T09:00:00Z", hub: "lis", pieces: 1, weight: { kg: 1 } },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
    await mkdir(landing("day2"), { recursive: true });
    await writeFile(
      join(landing("day2"), "scans-day2.ndjson"),
      [
        {
          parcel: "P3",
          scanned_at: "2024-07-02T08:00:00Z",
          hub: "lis",
          pieces: 1.5,
          note: "fragile",
          weight: { kg: 3, cm: 30 },
        },
      ]
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("applies compatible changes by itself: old rows read NULL, new rows carry the values, gold gains the column", async () => {
    // Prepare: the first run records schema version 1.
    const first = await medallion([
      "run",
      "--spec",
      specFile("v1"),
      "--landing",
      landing("day1"),
      "--json",
      "--data-dir",
      dataDir,
    ]);
    expect(first.code, first.stderr).toBe(0);

    // Act: the spec gains an optional field, a struct field, a wider type, a derived column and an aggregate.
    const second = await medallion([
      "run",
      "--spec",
      specFile("v2"),
      "--landing",
      landing("day2"),
      "--json",
      "--data-dir",
      dataDir,
    ]);

    // Assess
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).pipeline.status).toBe("SUCCEEDED");
    expect(
      await query("v2", "SELECT parcel, pieces, note, weight_cm, kg_per_cm FROM silver.parcel_evolve ORDER BY parcel"),
    ).toEqual([
      { parcel: "P1", pieces: 2, note: null, weight_cm: null, kg_per_cm: null },
      { parcel: "P2", pieces: 1, note: null, weight_cm: null, kg_per_cm: null },
      { parcel: "P3", pieces: 1.5, note: "fragile", weight_cm: 30, kg_per_cm: 0.1 },
    ]);
    expect(
      await query("v2", "SELECT hub, day::VARCHAR AS day, scans, total_kg FROM gold.hub_daily ORDER BY day"),
    ).toEqual([
      // Day 1 was not recomputed by this run: its new column stays NULL until rebuilt.
      { hub: "lis", day: "2024-07-01", scans: 2, total_kg: null },
      { hub: "lis", day: "2024-07-02", scans: 1, total_kg: 3 },
    ]);
  });

  it("refuses an incompatible change before any write, naming the field, both types and the command (exit code 2)", async () => {
    // Prepare
    const silverBefore = await query("v2", "SELECT * FROM silver.parcel_evolve ORDER BY parcel");
    const goldBefore = await query("v2", "SELECT * FROM gold.hub_daily ORDER BY day");
    const bronzeBefore = await readdir(join(dataDir, "s3"), { recursive: true });
    await mkdir(landing("day3"), { recursive: true });
    await writeFile(
      join(landing("day3"), "scans-day3.ndjson"),
      JSON.stringify({ parcel: "P4", scanned_at: "2024-07-03T08:00:00Z", hub: 7 }),
    );

    // Act
    const run = await medallion(["run", "--spec", specFile("v3"), "--landing", landing("day3"), "--data-dir", dataDir]);

    // Assess
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain("field hub: type, string → double (incompatible)");
    expect(run.stderr).toContain("medallion rebuild --dataset parcel_evolve");
    expect(await query("v2", "SELECT * FROM silver.parcel_evolve ORDER BY parcel")).toEqual(silverBefore);
    expect(await query("v2", "SELECT * FROM gold.hub_daily ORDER BY day")).toEqual(goldBefore);
    // Nothing landed, so nothing reached bronze, quarantine or the ledger.
    expect(await readdir(join(dataDir, "s3"), { recursive: true })).toEqual(bronzeBefore);
  });

  it("rebuild fills the new gold column for every window, and a second rebuild under the same spec is a no-op", async () => {
    // Act
    const rebuild = await medallion([
      "rebuild",
      "--spec",
      specFile("v2"),
      "--dataset",
      "parcel_evolve",
      "--json",
      "--data-dir",
      dataDir,
    ]);
    const again = await medallion([
      "rebuild",
      "--spec",
      specFile("v2"),
      "--dataset",
      "parcel_evolve",
      "--json",
      "--data-dir",
      dataDir,
    ]);

    // Assess
    expect(rebuild.code, rebuild.stderr).toBe(0);
    expect(JSON.parse(rebuild.stdout)).toMatchObject({
      before: { partitions: 2, rows: 3 },
      after: { partitions: 2, rows: 3 },
      pipeline: { status: "SUCCEEDED" },
    });
    expect(
      await query("v2", "SELECT hub, day::VARCHAR AS day, scans, total_kg FROM gold.hub_daily ORDER BY day"),
    ).toEqual([
      { hub: "lis", day: "2024-07-01", scans: 2, total_kg: 3 },
      { hub: "lis", day: "2024-07-02", scans: 1, total_kg: 3 },
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).pipeline.alreadyCompleted).toBe(true);
  });

  it("adds no gold column twice: a column an ALTER added before a crash, its version never recorded, is kept", async () => {
    // Prepare: v4's ALTER ran (as if the run that applied it died right after), nothing was recorded.
    const instance = await DuckDBInstance.create(join(dataDir, "lake.duckdb"));
    const lake = await instance.connect();
    await lake.run("ALTER TABLE gold.hub_daily ADD COLUMN max_pieces DOUBLE");
    lake.closeSync();
    instance.closeSync();
    await mkdir(landing("day4"), { recursive: true });
    await writeFile(
      join(landing("day4"), "scans-day4.ndjson"),
      JSON.stringify({ parcel: "P5", scanned_at: "2024-07-04T08:00:00Z", hub: "lis", pieces: 4, weight: { kg: 5 } }),
    );

    // Act: the next run under v4 (an ADD COLUMN of max_pieces would be refused: the column exists).
    const run = await medallion([
      "run",
      "--spec",
      specFile("v4"),
      "--landing",
      landing("day4"),
      "--json",
      "--data-dir",
      dataDir,
    ]);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).pipeline.status).toBe("SUCCEEDED");
    expect(
      await query("v4", "SELECT day::VARCHAR AS day, scans, total_kg, max_pieces FROM gold.hub_daily ORDER BY day"),
    ).toEqual([
      { day: "2024-07-01", scans: 2, total_kg: 3, max_pieces: null },
      { day: "2024-07-02", scans: 1, total_kg: 3, max_pieces: null },
      { day: "2024-07-04", scans: 1, total_kg: 5, max_pieces: 4 },
    ]);
  });
});
