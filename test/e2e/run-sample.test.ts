import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("medallion run --sample (npm start)", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "medallion-e2e-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("ingests the sample: every record in bronze or quarantine, the broken file quarantined whole", async () => {
    // Act
    const run = await medallion(["run", "--sample", "--json", "--data-dir", dataDir]);

    // Assess
    expect(run.stderr).toContain("[6/6]");
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.totals).toMatchObject({
      files: 6,
      filesToBronze: 5,
      filesQuarantined: 1,
      filesFailed: 0,
      bronzeObjects: 5,
    });
    expect(summary.totals.recordsIn).toBe(summary.totals.recordsBronze + summary.totals.recordsQuarantined);
    expect(summary.totals.recordsQuarantined).toBe(3);

    // Bronze, read straight from s3rver's files by DuckDB, holds exactly the bronze records.
    const bronzeDir = join(dataDir, "s3", "medallion-local-bronze");
    const objects = (await readdir(bronzeDir, { recursive: true })).filter((name) =>
      name.endsWith(".parquet._S3rver_object"),
    );
    expect(objects).toHaveLength(5);
    const duck = await (await DuckDBInstance.create(":memory:")).connect();
    const files = objects.map((name) => `'${join(bronzeDir, name)}'`).join(", ");
    const rows = await duck.runAndReadAll(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT carChassis)::INTEGER AS cars FROM read_parquet([${files}])`,
    );
    expect(rows.getRowObjectsJson()[0]).toEqual({ n: summary.totals.recordsBronze, cars: 6 });
    const described = await duck.runAndReadAll(`DESCRIBE SELECT metrics FROM read_parquet([${files}])`);
    expect(String(described.getRowObjectsJson()[0]!.column_type)).toMatch(/^STRUCT\(trip STRUCT\(/);
    duck.closeSync();
  });

  it("running it again rewrites nothing: every file is recognised as already ingested", async () => {
    // Act
    const again = await medallion(["run", "--sample", "--json", "--data-dir", dataDir]);

    // Assess
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).totals).toMatchObject({ files: 6, duplicates: 6, filesFailed: 0 });
  });

  it("fails with a clear message and exit code 2 on an unknown option", async () => {
    const bad = await medallion(["run", "--no-such-flag", "--data-dir", dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no-such-flag/);
  });
});
