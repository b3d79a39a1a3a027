import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A field renamed in the spec (depot → hub) after data was written under its old name.
const specText = (field: string, dimension: string) => `
export default {
  name: "parcel_rename",
  landingPrefix: "parcels/rename/",
  fields: [
    { name: "parcel", type: "string", required: true },
    { name: "scanned_at", type: "timestamp", required: true },
    ${field},
    { name: "weight", type: "struct", fields: [{ name: "kg", type: "double" }] },
  ],
  silver: {
    partition: { from: "scanned_at", year: "scan_year", month: "scan_month", day: "scan_day" },
    dedup: { key: ["parcel", "scan_year", "scan_month", "scan_day"], order: [{ column: "scanned_at", descending: true }] },
    retentionDays: 3,
  },
  gold: {
    database: "gold",
    tables: [{
      name: "hub_daily_rename",
      key: ["hub", "day"],
      dimensions: [
        { name: "hub", type: "varchar", expr: { kind: "column", path: ["${dimension}"] } },
        { name: "day", type: "date", expr: { kind: "date", of: { kind: "column", path: ["scanned_at"] } } },
        { name: "year", type: "integer", expr: { kind: "column", path: ["scan_year"] } },
        { name: "month", type: "integer", expr: { kind: "column", path: ["scan_month"] } },
      ],
      aggregates: [{ name: "scans", kind: "count" }, { name: "kg", kind: "sum", of: { kind: "column", path: ["weight_kg"] } }],
      partitionBy: ["year", "month"],
      window: "day",
    }],
  },
};
`;

const before = specText(`{ name: "depot", type: "string" }`, "depot");
const renamed = specText(`{ name: "hub", type: "string", renamedFrom: "depot" }`, "hub");
// Renamed again (hub → site): both earlier names, newest first, keep every file readable.
const renamedTwice = specText(`{ name: "site", type: "string", renamedFrom: ["hub", "depot"] }`, "site");

describe("a renamed field", () => {
  let root: string;
  let dataDir: string;
  const specFile = (version: string) => join(root, `${version}.ts`);
  const landing = (batch: string) => join(root, "landing", batch);
  const ndjson = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join("\n");
  const run = async (version: string, batch: string) => {
    const result = await medallion([
      "run",
      "--spec",
      specFile(version),
      "--landing",
      landing(batch),
      "--json",
      "--data-dir",
      dataDir,
    ]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };
  const query = async (sql: string, version = "renamed") => {
    const result = await medallion(["query", "--spec", specFile(version), "--json", "--data-dir", dataDir, sql]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout).results[0] as { columns: { name: string }[]; rows: Record<string, unknown>[] };
  };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-rename-e2e-"));
    dataDir = join(root, "state");
    await writeFile(specFile("before"), before);
    await writeFile(specFile("renamed"), renamed);
    await writeFile(specFile("twice"), renamedTwice);
    await mkdir(landing("old"), { recursive: true });
    await writeFile(
      join(landing("old"), "scans.ndjson"),
      ndjson([
        { parcel: "P1", scanned_at: "2024-07-01T08:00:00Z", depot: "lis", weight: { kg: 2 } },
        { parcel: "P2", scanned_at: "2024-07-02T08:00:00Z", depot: "opo", weight: { kg: 5 } },
      ]),
    );
    await mkdir(landing("new"), { recursive: true });
    await writeFile(
      join(landing("new"), "scans-new.ndjson"),
      // Day 1 gains a parcel (its window is recomputed from old and new rows); day 2 is left as it was.
      ndjson([
        { parcel: "P3", scanned_at: "2024-07-01T09:00:00Z", hub: "lis", weight: { kg: 3 } },
        { parcel: "P4", scanned_at: "2024-07-03T08:00:00Z", hub: "fao", weight: { kg: 1 } },
      ]),
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  const landTwice = async () => {
    await mkdir(landing("newest"), { recursive: true });
    await writeFile(
      join(landing("newest"), "scans-newest.ndjson"),
      ndjson([{ parcel: "P5", scanned_at: "2024-07-04T08:00:00Z", site: "brg", weight: { kg: 4 } }]),
    );
  };

  it("keeps history readable under the new name, with no rewrite: one column, old and new rows", async () => {
    // Prepare
    await run("before", "old");

    // Act
    const second = await run("renamed", "new");

    // Assess: a compatible change (recorded as a rename), applied by the run.
    expect(second.pipeline.status).toBe("SUCCEEDED");
    const silver = await query("SELECT * FROM silver.parcel_rename ORDER BY parcel");
    const columns = silver.columns.map((c) => c.name);
    expect(columns).toContain("hub");
    expect(columns).not.toContain("depot");
    expect(silver.rows.map(({ parcel, hub }) => ({ parcel, hub }))).toEqual([
      { parcel: "P1", hub: "lis" },
      // Day 2's partition was not rewritten: its file still holds the old column, read under the new name.
      { parcel: "P2", hub: "opo" },
      { parcel: "P3", hub: "lis" },
      { parcel: "P4", hub: "fao" },
    ]);
    const gold = await query("SELECT * FROM gold.hub_daily_rename ORDER BY day");
    expect(gold.columns.map((c) => c.name)).not.toContain("depot");
    expect(gold.rows.map(({ hub, day, scans, kg }) => ({ hub, day: String(day), scans, kg }))).toEqual([
      { hub: "lis", day: "2024-07-01", scans: 2, kg: 5 },
      { hub: "opo", day: "2024-07-02", scans: 1, kg: 5 },
      { hub: "fao", day: "2024-07-03", scans: 1, kg: 1 },
    ]);
  });

  it("keeps every file readable after a second rename, under the newest name: coalesce(site, hub, depot)", async () => {
    // Prepare: day 2's silver partition still holds depot, days 1 and 3 hold hub (the test above).
    await landTwice();

    // Act
    const third = await run("twice", "newest");

    // Assess
    expect(third.pipeline.status).toBe("SUCCEEDED");
    const silver = await query("SELECT * FROM silver.parcel_rename ORDER BY parcel", "twice");
    const columns = silver.columns.map((c) => c.name);
    expect(columns).toContain("site");
    expect(columns).not.toContain("hub");
    expect(columns).not.toContain("depot");
    expect(silver.rows.map(({ parcel, site }) => ({ parcel, site }))).toEqual([
      { parcel: "P1", site: "lis" },
      { parcel: "P2", site: "opo" },
      { parcel: "P3", site: "lis" },
      { parcel: "P4", site: "fao" },
      { parcel: "P5", site: "brg" },
    ]);
    // Bronze keeps each file as written: every earlier name is a column of its own, which silver reads as one.
    const bronze = await query("SELECT parcel, site, hub, depot FROM bronze.parcel_rename ORDER BY parcel", "twice");
    expect(bronze.rows).toEqual([
      { parcel: "P1", site: null, hub: null, depot: "lis" },
      { parcel: "P2", site: null, hub: null, depot: "opo" },
      { parcel: "P3", site: null, hub: "lis", depot: null },
      { parcel: "P4", site: null, hub: "fao", depot: null },
      { parcel: "P5", site: "brg", hub: null, depot: null },
    ]);
    const gold = await query("SELECT hub, day::VARCHAR AS day, scans FROM gold.hub_daily_rename ORDER BY day", "twice");
    expect(gold.rows).toEqual([
      { hub: "lis", day: "2024-07-01", scans: 2 },
      { hub: "opo", day: "2024-07-02", scans: 1 },
      { hub: "fao", day: "2024-07-03", scans: 1 },
      { hub: "brg", day: "2024-07-04", scans: 1 },
    ]);
  });
});
