import {
  createSilver,
  expectedCarMonthly,
  memoryEngine,
  putSilver,
  rounded,
  silverRows,
} from "@medallion/testing/gold";
import { describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { carTelemetryGold } from "../../src/dataset/car-telemetry-gold";
import { QueryFailedError } from "../../src/engine/errors";
import type { SqlEngine } from "../../src/engine/port";
import { GoldRetryExhaustedError, IcebergCommitConflictError } from "../../src/gold/errors";
import { mergeGold } from "../../src/gold/merge";
import { isRetryableGoldError, runWithRetry } from "../../src/gold/retry";
import { mergeStatement } from "../../src/gold/statements";

const commitConflict = () =>
  new QueryFailedError("Athena query q FAILED: ICEBERG_COMMIT_ERROR: Failed to commit Iceberg update", {
    reason: "ICEBERG_COMMIT_ERROR: Failed to commit Iceberg update",
  });
const merge = mergeStatement({
  table: carTelemetryGold.tables[0]!,
  silver: { database: "silver", name: "car_telemetry" },
  windows: [{ event_year: 2024, event_month: 1 }],
  database: "gold",
  partition: carTelemetry.silver.partition,
});
const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });

/** An engine whose first `times` calls fail with `error()`, then answer with an empty result. */
function failing(times: number, error: () => Error): SqlEngine & { calls: number } {
  const engine = {
    dialect: "athena" as const,
    calls: 0,
    async run() {
      engine.calls += 1;
      if (engine.calls <= times) throw error();
      return { columns: [], rows: [] };
    },
  };
  return engine;
}

describe("retry of gold statements", () => {
  it("recognises commit conflicts and throttling, anywhere in the cause chain, and nothing else", () => {
    // Act
    const verdicts = [
      isRetryableGoldError(commitConflict()),
      isRetryableGoldError(throttled()),
      isRetryableGoldError(new Error("wrapped", { cause: commitConflict() })),
      isRetryableGoldError(new QueryFailedError("FAILED: SYNTAX_ERROR", { reason: "SYNTAX_ERROR: line 1:1" })),
    ];
    // Assess
    expect(verdicts).toEqual([true, true, true, false]);
  });

  it("retries with jittered, growing, capped delays until the statement succeeds", async () => {
    // Prepare
    const engine = failing(4, commitConflict);
    const delays: number[] = [];
    // Act
    await runWithRetry(engine, merge, {
      baseDelayMs: 100,
      maxDelayMs: 500,
      random: () => 0.5,
      sleep: async (ms) => void delays.push(ms),
    });
    // Assess
    expect(engine.calls).toBe(5);
    expect(delays).toEqual([50, 100, 200, 250]);
  });

  it("gives up after the allowed attempts with the last error as cause", async () => {
    // Prepare
    const engine = failing(99, throttled);
    // Act
    const run = runWithRetry(engine, merge, { maxAttempts: 3, sleep: async () => undefined });
    // Assess
    await expect(run).rejects.toThrow(GoldRetryExhaustedError);
    await expect(run).rejects.toMatchObject({
      name: "GoldRetryExhaustedError",
      attempts: 3,
      cause: { name: "ThrottlingException" },
    });
  });

  it("names exhausted commit conflicts IcebergCommitConflictError, so the state machine can retry them later", async () => {
    // Prepare
    const engine = failing(99, commitConflict);
    // Act
    const run = runWithRetry(engine, merge, { maxAttempts: 2, sleep: async () => undefined });
    // Assess
    await expect(run).rejects.toThrow(IcebergCommitConflictError);
    await expect(run).rejects.toMatchObject({ name: "IcebergCommitConflictError", attempts: 2 });
  });

  it("does not retry an error that would fail again", async () => {
    // Prepare
    const engine = failing(1, () => new QueryFailedError("FAILED: COLUMN_NOT_FOUND", { reason: "COLUMN_NOT_FOUND" }));
    // Act
    const run = runWithRetry(engine, merge, { sleep: async () => undefined });
    // Assess
    await expect(run).rejects.toThrow(/COLUMN_NOT_FOUND/);
    expect(engine.calls).toBe(1);
  });

  it("lets mergeGold survive a commit conflict on a MERGE with gold as if none happened", async () => {
    // Prepare
    const duck = await memoryEngine();
    await createSilver(duck);
    const partitions = await putSilver(duck, [{ car: "A", at: "2024-01-05T08:00:00", mileage: 1000 }]);
    let mergeAttempts = 0;
    const engine: SqlEngine = {
      dialect: "duckdb",
      run: async (statement) => {
        if (statement.kind === "merge" && mergeAttempts++ === 0) throw commitConflict();
        return duck.run(statement);
      },
    };
    // Act
    const summary = await mergeGold({
      engine,
      spec: carTelemetry,
      gold: carTelemetryGold,
      partitions,
      silver: { database: "silver", name: "car_telemetry" },
      retry: { sleep: async () => undefined },
    });
    // Assess
    // One conflicting attempt, then one MERGE per table.
    expect(mergeAttempts).toBe(3);
    expect(summary.tables.map((t) => t.inserted)).toEqual([1, 1]);
    expect(rounded(await duck.rows("SELECT * FROM gold.car_monthly"))).toEqual(
      rounded(expectedCarMonthly(await silverRows(duck))),
    );
    duck.close();
  });
});
