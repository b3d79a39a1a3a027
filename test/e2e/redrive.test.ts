import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A dataset whose `pieces` was declared an integer: readings with half pieces are quarantined
// until the spec widens it to a double, then `redrive` takes them to bronze, silver and gold.
const specText = (pieces: "integer" | "double") => `
export default {
  name: "parcel_redrive",
  landingPrefix: "parcels/redrive/",
  fields: [
    { name: "parcel", type: "string", required: true },
    { name: "scanned_at", type: "timestamp", required: true },
    { name: "hub", type: "string" },
    { name: "pieces", type: "${pieces}" },
  ],
  silver: {
    partition: { from: "scanned_at", year: "scan_year", month: "scan_month", day: "scan_day" },
    dedup: { key: ["parcel", "scan_year", "scan_month", "scan_day"], order: [{ column: "scanned_at", descending: true }] },
    retentionDays: 3,
  },
  gold: {
    database: "gold",
    tables: [{
      name: "redrive_hub_daily",
      key: ["hub", "day"],
      dimensions: [
        { name: "hub", type: "varchar", expr: { kind: "column", path: ["hub"] } },
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

const scans = [
  { parcel: "P1", scanned_at: "2024-07-01T08:00:00Z", hub: "lis", pieces: 2 },
  { parcel: "P2", scanned_at: "2024-07-01T09:00:00Z", hub: "lis", pieces: 1.5 },
  { parcel: "P3", scanned_at: "2024-07-01T10:00:00Z", hub: "opo", pieces: 3 },
  { parcel: "P4", scanned_at: "2024-07-01T11:00:00Z", hub: "opo", pieces: 0.5 },
  { parcel: "", scanned_at: "2024-07-01T12:00:00Z", hub: "opo", pieces: 1 },
];

describe("medallion redrive", () => {
  let root: string;
  let dataDir: string;
  const spec = (version: string) => join(root, `${version}.ts`);
  const cli = (version: string, args: string[]) =>
    medallion([...args, "--spec", spec(version), "--json", "--data-dir", dataDir]);
  const query = async (sql: string) => {
    const result = await cli("wide", ["query", sql]);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout).results[0].rows as Record<string, unknown>[];
  };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-redrive-e2e-"));
    dataDir = join(root, "state");
    await writeFile(spec("narrow"), specText("integer"));
    await writeFile(spec("wide"), specText("double"));
    await mkdir(join(root, "landing"), { recursive: true });
    await writeFile(join(root, "landing", "scans.ndjson"), scans.map((s) => JSON.stringify(s)).join("\n"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("after a type is widened, moves the rejected records to bronze, silver and gold, once", async () => {
    // Prepare: under the narrow spec, P2 and P4 (half pieces) and the blank parcel are quarantined.
    const run = await cli("narrow", ["run", "--landing", join(root, "landing"), "--allow-quarantine"]);
    expect(run.code, run.stderr).toBe(0);
    expect(await query("SELECT parcel FROM silver.parcel_redrive ORDER BY parcel")).toEqual([
      { parcel: "P1" },
      { parcel: "P3" },
    ]);

    // Act
    const first = await cli("wide", ["redrive"]);
    const second = await cli("wide", ["redrive"]);

    // Assess: per kind, tried / recovered / still failing; the second changes nothing
    expect(first.code, first.stderr).toBe(0);
    const firstJson = JSON.parse(first.stdout);
    expect(firstJson.records).toEqual({ tried: 3, recovered: 2, stillFailing: 1 });
    expect(firstJson.pipeline.status).toBe("SUCCEEDED");
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      records: { tried: 1, recovered: 0, stillFailing: 1 },
      pipeline: null,
    });
    // Silver and gold hold exactly what an independent count of the landing file says passes now
    const duck = await (await DuckDBInstance.create()).connect();
    await duck.run(`CREATE TABLE scans AS SELECT * FROM read_json('${join(root, "landing", "scans.ndjson")}')`);
    const expected = (
      await duck.runAndReadAll(
        "SELECT hub, count(*)::INT AS scans FROM scans WHERE parcel <> '' GROUP BY hub ORDER BY hub",
      )
    ).getRowObjectsJson();
    duck.closeSync();
    expect(await query("SELECT parcel, pieces FROM silver.parcel_redrive ORDER BY parcel")).toEqual([
      { parcel: "P1", pieces: 2 },
      { parcel: "P2", pieces: 1.5 },
      { parcel: "P3", pieces: 3 },
      { parcel: "P4", pieces: 0.5 },
    ]);
    expect(await query("SELECT hub, scans::INT AS scans FROM gold.redrive_hub_daily ORDER BY hub")).toEqual(expected);
    // Conservation per original file: in = bronze + quarantined; the part adds no records of its own
    const files = await query(
      "SELECT count(*)::INT AS quarantined FROM quarantine.parcel_redrive WHERE kind = 'record'",
    );
    expect(files).toEqual([{ quarantined: 1 }]);
  });

  it("moves a landing file none of whose records passed from _failed/ to _done/ once they pass, once", async () => {
    // Prepare: every reading of halves.ndjson has half pieces, so under the narrow spec it lands in _failed/.
    const state = join(root, "halves-state");
    const halves = scans.filter((scan) => !Number.isInteger(scan.pieces));
    await mkdir(join(root, "halves"), { recursive: true });
    await writeFile(join(root, "halves", "halves.ndjson"), halves.map((s) => JSON.stringify(s)).join("\n"));
    const inState = (version: string, args: string[]) =>
      medallion([...args, "--spec", spec(version), "--json", "--data-dir", state]);
    const run = await inState("narrow", ["run", "--landing", join(root, "halves"), "--allow-quarantine"]);
    expect(run.code, run.stderr).toBe(0);
    const key = "parcels/redrive/halves.ndjson";
    expect(await landingObjects(state)).toEqual([`_failed/${key}`, `_failed/${key}.reason.json`]);

    // Act
    const first = await inState("wide", ["redrive"]);
    const second = await inState("wide", ["redrive"]);

    // Assess: archived as ingest archives a file with records in bronze; the second redrive moves nothing
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      records: { tried: 2, recovered: 2, stillFailing: 0 },
      archived: [`_done/${key}`],
    });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ archived: [], pipeline: null });
    expect(await landingObjects(state)).toEqual([`_done/${key}`]);
  });

  // The keys the embedded landing bucket holds (s3rver keeps each object as `<key>._S3rver_object`).
  const landingObjects = async (state: string): Promise<string[]> => {
    const bucket = join(state, "s3", "medallion-local-landing");
    const files = await readdir(bucket, { recursive: true });
    return files
      .filter((path) => path.endsWith("._S3rver_object"))
      .map((path) => path.slice(0, -"._S3rver_object".length))
      .sort();
  };
});
