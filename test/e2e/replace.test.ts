import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Meter readings, one kept per meter and day (the highest): a corrected export that lowers a
// reading can only take effect if the older version's rows leave silver.
const specText = `
export default {
  name: "meter_replace",
  landingPrefix: "meters/replace/",
  fields: [
    { name: "meter", type: "string", required: true },
    { name: "read_at", type: "timestamp", required: true },
    { name: "reading", type: "double" },
  ],
  silver: {
    partition: { from: "read_at", year: "read_year", month: "read_month", day: "read_day" },
    dedup: { key: ["meter", "read_year", "read_month", "read_day"], order: [{ column: "reading", descending: true }] },
    retentionDays: 3,
  },
  gold: {
    database: "gold",
    tables: [{
      name: "meter_replace_daily",
      key: ["day"],
      dimensions: [
        { name: "day", type: "date", expr: { kind: "date", of: { kind: "column", path: ["read_at"] } } },
        { name: "year", type: "integer", expr: { kind: "column", path: ["read_year"] } },
        { name: "month", type: "integer", expr: { kind: "column", path: ["read_month"] } },
      ],
      aggregates: [
        { name: "meters", kind: "count" },
        { name: "total", kind: "sum", of: { kind: "column", path: ["reading"] } },
        { name: "highest", kind: "max", of: { kind: "column", path: ["reading"] } },
      ],
      partitionBy: ["year", "month"],
      window: "day",
    }],
  },
};
`;

const ndjson = (rows: object[]): string => rows.map((row) => JSON.stringify(row)).join("\n");
const original = [
  { meter: "M1", read_at: "2024-07-01T08:00:00Z", reading: 50 },
  { meter: "M2", read_at: "2024-07-01T09:00:00Z", reading: 40 },
  { meter: "M3", read_at: "2024-07-01T10:00:00Z", reading: 25 },
  { meter: "M1", read_at: "2024-07-02T08:00:00Z", reading: 60 },
  // A day only this version covers: the correction leaves it out, so silver and gold lose it.
  { meter: "M4", read_at: "2024-07-03T08:00:00Z", reading: 70 },
];
// The corrected export: M1's first reading lowered, M3's removed, 3 July gone.
const corrected = [
  { meter: "M1", read_at: "2024-07-01T08:00:00Z", reading: 20 },
  { meter: "M2", read_at: "2024-07-01T09:00:00Z", reading: 40 },
  { meter: "M1", read_at: "2024-07-02T08:00:00Z", reading: 60 },
];
// Another file of the same days, never replaced: the recompute must keep its rows.
const other = [
  { meter: "M1", read_at: "2024-07-01T07:00:00Z", reading: 30 },
  { meter: "M2", read_at: "2024-07-02T09:00:00Z", reading: 10 },
];

const SILVER = "SELECT meter, read_at::VARCHAR AS read_at, reading FROM silver.meter_replace ORDER BY meter, read_at";
const GOLD =
  "SELECT day::VARCHAR AS day, meters::INT AS meters, total, highest FROM gold.meter_replace_daily ORDER BY day";

describe("a replaced landing file", () => {
  let root: string;
  const cli = (dataDir: string, args: string[]) =>
    medallion([...args, "--spec", join(root, "spec.ts"), "--json", "--data-dir", join(root, dataDir)]);
  const run = async (dataDir: string, landing: string) => {
    const result = await cli(dataDir, ["run", "--landing", join(root, landing)]);
    expect(result.code, result.stderr).toBe(0);
  };
  const query = async (dataDir: string, sql: string) => {
    const result = await cli(dataDir, ["query", sql]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout).results[0].rows as Record<string, unknown>[];
  };
  const land = async (folder: string, files: Record<string, object[]>) => {
    await mkdir(join(root, folder), { recursive: true });
    for (const [name, rows] of Object.entries(files)) await writeFile(join(root, folder, name), ndjson(rows));
  };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-replace-e2e-"));
    await writeFile(join(root, "spec.ts"), specText);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("supersedes its older version: silver and gold equal a run that only saw the corrected file", async () => {
    // Prepare: the original export and another file run through the pipeline; a fresh lake sees only the correction.
    await land("first", { "readings.ndjson": original, "other.ndjson": other });
    await land("second", { "readings.ndjson": corrected, "other.ndjson": other });
    await run("replaced", "first");
    expect(await query("replaced", SILVER)).toContainEqual({
      meter: "M3",
      read_at: "2024-07-01 10:00:00",
      reading: 25,
    });
    expect(await query("replaced", GOLD)).toContainEqual({ day: "2024-07-03", meters: 1, total: 70, highest: 70 });
    await run("fresh", "second");

    // Act: the same landing keys again, one with corrected content; then the same bytes once more.
    await run("replaced", "second");
    const silverAfter = await query("replaced", SILVER);
    const goldAfter = await query("replaced", GOLD);
    await run("replaced", "second");

    // Assess: the same silver and gold as the fresh lake, and the older version retired in the ledger
    const expectedSilver = await query("fresh", SILVER);
    expect(expectedSilver).toEqual([
      { meter: "M1", read_at: "2024-07-01 07:00:00", reading: 30 },
      { meter: "M1", read_at: "2024-07-02 08:00:00", reading: 60 },
      { meter: "M2", read_at: "2024-07-01 09:00:00", reading: 40 },
      { meter: "M2", read_at: "2024-07-02 09:00:00", reading: 10 },
    ]);
    expect(silverAfter).toEqual(expectedSilver);
    expect(goldAfter).toEqual(await query("fresh", GOLD));
    expect(await query("replaced", SILVER)).toEqual(expectedSilver);
    expect(await query("replaced", GOLD)).toEqual(goldAfter);
    expect(goldAfter.map((row) => row.day)).toEqual(["2024-07-01", "2024-07-02"]);
  });

  it("rewrites only the days either version touched: the lake's other days keep their silver", async () => {
    // Prepare: three days, one file each; the file of 2 July is corrected, the fresh lake sees only the correction.
    const days = {
      "d1.ndjson": [{ meter: "M1", read_at: "2024-08-01T08:00:00Z", reading: 10 }],
      "d2.ndjson": [
        { meter: "M1", read_at: "2024-08-02T08:00:00Z", reading: 50 },
        { meter: "M2", read_at: "2024-08-02T09:00:00Z", reading: 30 },
      ],
      "d3.ndjson": [{ meter: "M1", read_at: "2024-08-03T08:00:00Z", reading: 12 }],
    };
    const correction = { "d2.ndjson": [{ meter: "M1", read_at: "2024-08-02T08:00:00Z", reading: 20 }] };
    await land("three", days);
    await land("fix", correction);
    await land("fresh-three", { ...days, ...correction });
    await run("three-days", "three");
    const before = await silverLocations("three-days");
    const versionsBefore = await silverVersions("three-days");

    // Act
    await run("three-days", "fix");

    // Assess: 1 and 3 August at the same locations, no version of them written; 2 August rewritten; as a fresh lake.
    const after = await silverLocations("three-days");
    expect(Object.keys(after)).toEqual(Object.keys(before));
    const key = (day: number) => `read_year=2024/read_month=8/read_day=${day}`;
    expect(after[key(1)]).toBe(before[key(1)]);
    expect(after[key(3)]).toBe(before[key(3)]);
    expect(after[key(2)]).not.toBe(before[key(2)]);
    const written = (await silverVersions("three-days")).filter((path) => !versionsBefore.includes(path));
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((path) => path.includes(key(2)))).toBe(true);
    await run("fresh-three-days", "fresh-three");
    expect(await query("three-days", SILVER)).toEqual(await query("fresh-three-days", SILVER));
    expect(await query("three-days", GOLD)).toEqual(await query("fresh-three-days", GOLD));
  });

  // Each silver partition's current location, from the embedded catalog.
  const silverLocations = async (dataDir: string): Promise<Record<string, string>> => {
    const file = JSON.parse(await readFile(join(root, dataDir, "catalog", "silver", "meter_replace.json"), "utf8"));
    const partitions = file.partitions as Record<string, { location: string }>;
    return Object.fromEntries(Object.entries(partitions).map(([name, { location }]) => [name, location]));
  };
  // Every partition folder of every silver version written so far.
  const silverVersions = async (dataDir: string): Promise<string[]> => {
    const files = await readdir(join(root, dataDir), { recursive: true });
    return files.filter((path) => /_v=[^/]+\/q\d+\/read_year=\d+\/read_month=\d+\/read_day=\d+$/.test(path)).sort();
  };
});
