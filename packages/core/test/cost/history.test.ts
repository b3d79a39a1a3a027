import { readFile } from "node:fs/promises";
import type { ExecutionHistoryEvent, StateFunction } from "@medallion/core/cost";
import { executionUsage, lambdaInvocationUsage } from "@medallion/core/cost";
import { describe, expect, it } from "vitest";

// A completed run's history as GetExecutionHistory pages it (without the states' data): a retried
// Lambda, an Athena task, a Map iteration, and the ending state still running as it reads.
const history = async (): Promise<ExecutionHistoryEvent[]> =>
  JSON.parse(await readFile(new URL("../files/history/completed-run.json", import.meta.url), "utf8"));

const memory: Record<string, StateFunction> = {
  ResolveWindow: { function: "ResolveWindow", memoryMB: 512 },
  StartJourney: { function: "StartJourney", memoryMB: 512 },
  PlanGold: { function: "PlanGold", memoryMB: 1024 },
  CompleteJourney: { function: "CompleteJourney", memoryMB: 512 },
};

describe("executionUsage", () => {
  it("counts each state entered and each retry as a state transition", async () => {
    // Act
    const { usage } = executionUsage({ events: await history(), functionOfState: (state) => memory[state] });

    // Assess: seven states entered (a Choice and a Map among them) and StartJourney's one retry.
    expect(usage.state_transitions).toBe(8);
  });

  it("bills each Lambda invocation from started to ended at its state's function's memory", async () => {
    // Prepare: CompleteJourney reads the history 80 ms after it started.
    const now = Date.parse("2026-11-25T10:00:05.600Z");

    // Act
    const { usage, functions } = executionUsage({
      events: await history(),
      functionOfState: (state) => memory[state],
      now,
    });

    // Assess: 120 + 100 (failed) + 90 + 1,000 + 80 ms; the Athena task is no Lambda invocation.
    expect(usage.lambda_invocations).toBe(5);
    expect(usage.lambda_billed_ms).toBe(1_390);
    expect(usage.lambda_gb_seconds).toBeCloseTo((390 / 1000) * 0.5 + 1 * 1, 12);
    expect(functions).toEqual([
      { function: "ResolveWindow", invocations: 1, billed_ms: 120 },
      { function: "StartJourney", invocations: 2, billed_ms: 190 },
      { function: "PlanGold", invocations: 1, billed_ms: 1_000 },
      { function: "CompleteJourney", invocations: 1, billed_ms: 80 },
    ]);
  });

  it("reads the events in any order, as the sum of each invocation's usage", async () => {
    // Prepare
    const events = (await history()).reverse();
    const now = Date.parse("2026-11-25T10:00:05.600Z");

    // Act
    const { usage } = executionUsage({ events, functionOfState: (state) => memory[state], now });

    // Assess
    expect(usage.lambda_gb_seconds).toBeCloseTo(
      [120, 100, 90, 80].reduce((sum, ms) => sum + lambdaInvocationUsage(ms, 512).lambda_gb_seconds!, 0) +
        lambdaInvocationUsage(1_000, 1024).lambda_gb_seconds!,
      12,
    );
  });

  it("refuses an invocation whose state no function backs", async () => {
    // Act / Assess
    const events = await history();
    expect(() => executionUsage({ events, functionOfState: () => undefined })).toThrow(/ResolveWindow/);
  });
});
