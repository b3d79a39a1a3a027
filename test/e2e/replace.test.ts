import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
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
];
// The corrected export: M1's first reading lowered, M3's removed.
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
  });
});
