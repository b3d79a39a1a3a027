import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A dataset the project has never seen, written by a "user" in their own folder: parcel
// scans at sorting hubs. No gold section: silver is where it stops.
const parcelSpec = `
export default {
  name: "parcel_scans",
  landingPrefix: "parcels/scans/",
  fields: [
    { name: "parcel", type: "string", required: true },
    { name: "scanned_at", type: "timestamp", required: true },
    { name: "hub", type: "string" },
    { name: "weight", type: "struct", fields: [{ name: "kg", type: "double" }] },
    { name: "damaged", type: "boolean" },
  ],
  silver: {
    cleanse: { hub: "upper" },
    partition: { from: "scanned_at", year: "scan_year", month: "scan_month", day: "scan_day" },
    // One scan per parcel per day: the latest.
    dedup: { key: ["parcel", "scan_year", "scan_month", "scan_day"], order: [{ column: "scanned_at", descending: true }] },
    retentionDays: 3,
  },
};
`;

const scan = (parcel: string, at: string, hub: string, kg?: number) =>
  JSON.stringify({ parcel, scanned_at: at, hub, ...(kg === undefined ? {} : { weight: { kg } }), damaged: false });

describe("medallion run --spec (a user-written dataset)", () => {
  let root: string;
  let specFile: string;
  let landing: string;
  let dataDir: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-spec-e2e-"));
    specFile = join(root, "parcel-scans.ts");
    landing = join(root, "landing");
    dataDir = join(root, "state");
    await writeFile(specFile, parcelSpec);
    await mkdir(join(landing, "day1"), { recursive: true });
    await writeFile(
      join(landing, "day1", "hub-a.ndjson"),
      [
        scan("P1", "2024-07-01T08:00:00Z", " lis "),
        scan("P1", "2024-07-01T18:30:00Z", "opo", 2.5),
        scan("P2", "2024-07-01T09:00:00Z", "lis", 1),
      ].join("\n"),
    );
    await writeFile(
      join(landing, "day1", "hub-b.json"),
      JSON.stringify([
        JSON.parse(scan("P2", "2024-07-02T07:00:00Z", "mad", 1)),
        { parcel: "P3", scanned_at: "yesterday" },
      ]),
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("runs a spec file from a test directory end to end: bronze, silver deduplicated, landing archived", async () => {
    // Act
    const run = await medallion(["run", "--spec", specFile, "--landing", landing, "--json", "--data-dir", dataDir]);

    // Assess: ingestion and the pipeline ran for the new dataset.
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.dataset).toBe("parcel_scans");
    expect(summary.totals).toMatchObject({
      files: 2,
      filesToBronze: 2,
      filesFailed: 0,
      recordsIn: 5,
      recordsBronze: 4,
      recordsQuarantined: 1,
    });
    expect(summary.pipeline.status).toBe("SUCCEEDED");
    expect(summary.pipeline.silver).toMatchObject({
      newRows: 4,
      rowsBefore: 0,
      rowsAfter: 3,
      duplicatesRemoved: 1,
      partitionsRewritten: 2,
    });
    expect(summary.pipeline.gold).toEqual([]);

    // Silver holds one scan per parcel per day, the latest, cleansed.
    const query = await medallion([
      "query",
      "--spec",
      specFile,
      "--json",
      "--data-dir",
      dataDir,
      "SELECT parcel, hub, weight_kg, scan_day FROM silver.parcel_scans ORDER BY parcel, scan_day",
    ]);
    expect(query.code, query.stderr).toBe(0);
    expect(JSON.parse(query.stdout).results[0].rows).toEqual([
      { parcel: "P1", hub: "OPO", weight_kg: 2.5, scan_day: 1 },
      { parcel: "P2", hub: "LIS", weight_kg: 1, scan_day: 1 },
      { parcel: "P2", hub: "MAD", weight_kg: 1, scan_day: 2 },
    ]);

    // The landing files were moved under _done/ once ingested.
    const landingDir = join(dataDir, "s3", "medallion-local-landing");
    const objects = (await readdir(landingDir, { recursive: true }))
      .filter((name) => name.endsWith("._S3rver_object"))
      .sort();
    expect(objects).toEqual([
      "_done/parcels/scans/day1/hub-a.ndjson._S3rver_object",
      "_done/parcels/scans/day1/hub-b.json._S3rver_object",
    ]);
  });

  it("refuses an invalid spec before starting anything, naming the file, field path and reason (exit code 2)", async () => {
    // Prepare
    const bad = join(root, "bad-spec.ts");
    await writeFile(
      bad,
      `export const spec = { name: "bad", landingPrefix: "bad/", fields: [{ name: "n", type: "number" }] };\n`,
    );
    const untouched = join(root, "never-started");
    // Act
    const run = await medallion(["run", "--spec", bad, "--landing", landing, "--data-dir", untouched]);
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`dataset spec ${bad} is invalid`);
    expect(run.stderr).toMatch(/fields\[0\]\.type: .*'string' \| 'double'/);
    await expect(stat(untouched)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses to run a spec without silver, since run ends with the pipeline, before starting anything", async () => {
    // Prepare
    const bronzeOnly = join(root, "bronze-only.ts");
    await writeFile(
      bronzeOnly,
      `export default { name: "bronze_only", landingPrefix: "bronze-only/", fields: [{ name: "id", type: "string" }] };\n`,
    );
    // Act
    const run = await medallion([
      "run",
      "--spec",
      bronzeOnly,
      "--landing",
      landing,
      "--data-dir",
      join(root, "never-started-2"),
    ]);
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bronze-only\.ts: dataset "bronze_only" has no silver section/);
  });
});
