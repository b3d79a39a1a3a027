import { describe, expect, it } from "vitest";
import { carTelemetryGold } from "../../src/dataset/car-telemetry-gold";
import { QueryFailedError } from "../../src/engine/errors";
import type { QueryResult, SqlEngine } from "../../src/engine/port";
import { GoldMaintenanceIncompleteError, GoldSpecError } from "../../src/gold/errors";
import { optimizeGold, optimizeStatement, vacuumStatement } from "../../src/gold/maintenance";
import { renderAthena } from "../../src/sql/athena";

/** A fake Athena that fails the first `failures[sql]` runs of a statement with `reason`. */
function scriptedAthena(failures: Record<string, { times: number; reason: string }>): SqlEngine & { log: string[] } {
  const log: string[] = [];
  const seen = new Map<string, number>();
  return {
    dialect: "athena",
    log,
    async run(statement): Promise<QueryResult> {
      const sql = renderAthena(statement);
      log.push(sql);
      const count = (seen.get(sql) ?? 0) + 1;
      seen.set(sql, count);
      const failure = failures[sql];
      if (failure && count <= failure.times)
        throw new QueryFailedError(`Athena query q-${count} FAILED: ${failure.reason}`, { reason: failure.reason });
      return { columns: [], rows: [] };
    },
  };
}

const noWait = { sleep: async () => undefined };

describe("gold maintenance", () => {
  it("renders OPTIMIZE and VACUUM exactly as Athena documents them", () => {
    // Act
    const statements = [optimizeStatement("gold", "car_monthly"), vacuumStatement("gold", "car_monthly")].map(
      renderAthena,
    );
    // Assess
    expect(statements).toEqual(["OPTIMIZE gold.car_monthly REWRITE DATA USING BIN_PACK", "VACUUM gold.car_monthly"]);
  });

  it("refuses names it cannot write bare", () => {
    // Act
    const render = () => optimizeStatement("gold", "car monthly; DROP");
    // Assess
    expect(render).toThrow(GoldSpecError);
  });

  it("re-runs OPTIMIZE and VACUUM while Athena says more runs are needed", async () => {
    // Prepare
    const engine = scriptedAthena({
      "OPTIMIZE gold.car_monthly REWRITE DATA USING BIN_PACK": {
        times: 2,
        reason: "ICEBERG_OPTIMIZE_MORE_RUNS_NEEDED: Optimize needs more runs",
      },
      "VACUUM gold.manufacturer_daily": { times: 1, reason: "ICEBERG_VACUUM_MORE_RUNS_NEEDED: Vacuum needs more runs" },
    });
    // Act
    const summary = await optimizeGold({ engine, gold: carTelemetryGold, retry: noWait });
    // Assess
    expect(summary).toEqual([
      { table: "gold.car_monthly", optimizeRuns: 3, vacuumRuns: 1 },
      { table: "gold.manufacturer_daily", optimizeRuns: 1, vacuumRuns: 2 },
    ]);
  });

  it("gives up after the allowed runs", async () => {
    // Prepare
    const engine = scriptedAthena({
      "OPTIMIZE gold.car_monthly REWRITE DATA USING BIN_PACK": {
        times: 99,
        reason: "ICEBERG_OPTIMIZE_MORE_RUNS_NEEDED",
      },
    });
    // Act
    const run = optimizeGold({ engine, gold: carTelemetryGold, maxRuns: 3, retry: noWait });
    // Assess
    await expect(run).rejects.toThrow(GoldMaintenanceIncompleteError);
    expect(engine.log).toHaveLength(3);
  });

  it("raises any other failure at once", async () => {
    // Prepare
    const engine = scriptedAthena({
      "OPTIMIZE gold.car_monthly REWRITE DATA USING BIN_PACK": {
        times: 1,
        reason: "TABLE_NOT_FOUND: gold.car_monthly",
      },
    });
    // Act
    const run = optimizeGold({ engine, gold: carTelemetryGold, retry: noWait });
    // Assess
    await expect(run).rejects.toThrow(/TABLE_NOT_FOUND/);
    expect(engine.log).toHaveLength(1);
  });

  it("runs nothing on DuckDB, whose tables need no compaction", async () => {
    // Prepare
    const engine = { ...scriptedAthena({}), dialect: "duckdb" as const };
    // Act
    const summary = await optimizeGold({ engine, gold: carTelemetryGold });
    // Assess
    expect(summary.every((s) => s.optimizeRuns === 0 && s.vacuumRuns === 0)).toBe(true);
    expect(engine.log).toEqual([]);
  });
});
