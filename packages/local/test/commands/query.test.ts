import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openQueryEngine, runQuery } from "../../src/commands/query";
import type { LocalServices } from "../../src/services/index";
import { startServices } from "../../src/services/index";

describe("runQuery", () => {
  let dataDir: string;
  let services: LocalServices;
  let engine: Awaited<ReturnType<typeof openQueryEngine>>;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "medallion-query-"));
    services = await startServices({ dataDir });
    engine = await openQueryEngine({ services, dataDir });
  });
  afterAll(async () => {
    engine.destroy();
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("prints an array of row objects with --json", async () => {
    // Act
    const output = await runQuery({
      sql: "SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, NULL ORDER BY a",
      json: true,
      engine,
    });
    // Assess
    expect(JSON.parse(output)).toEqual([
      { a: 1, b: "x" },
      { a: 2, b: null },
    ]);
  });

  it("prints an aligned table with a row count otherwise", async () => {
    // Act
    const output = await runQuery({ sql: "SELECT 'long value' AS name, 7 AS n", json: false, engine });
    // Assess
    expect(output.split("\n")).toEqual(["name       | n", "-----------+--", "long value | 7", "(1 row)"]);
  });

  it("names an empty silver table with its columns before anything is consolidated", async () => {
    // Act
    const output = await runQuery({ sql: "SELECT * FROM silver.car_telemetry", json: false, engine });
    // Assess
    expect(output.split("\n")[0]).toMatch(/^carChassis +\| currentMileage .*\| event_day$/);
    expect(output).toContain("(0 rows)");
  });

  it("fails with DuckDB's reason for an unknown table", async () => {
    // Act + Assess
    await expect(runQuery({ sql: "SELECT * FROM silver.nope", json: true, engine })).rejects.toThrow(/nope/);
  });
});
