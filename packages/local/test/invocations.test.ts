import { functions } from "@medallion/stacks/functions";
import { describe, expect, it } from "vitest";
import type { InvocationReport } from "../src/invocations";
import { fitWarnings, measured } from "../src/invocations";

describe("local invocations against the deployed functions' sizes", () => {
  it("measures an invocation's duration and peak heap, with the function's declared timeout and memory", async () => {
    // Prepare
    const reports: InvocationReport[] = [];
    // Act: an invocation that holds ~80 MB for a moment.
    const result = await measured(
      "PlanSilver",
      async () => {
        const held = new Float64Array(10_000_000).fill(1);
        await new Promise((resolve) => setTimeout(resolve, 120));
        return held.length;
      },
      (report) => reports.push(report),
    );
    // Assess
    expect(result).toBe(10_000_000);
    expect(reports).toEqual([
      {
        function: "PlanSilver",
        durationMs: expect.any(Number),
        peakHeapMB: expect.any(Number),
        timeoutSeconds: functions.PlanSilver.timeoutSeconds,
        memoryMB: functions.PlanSilver.memoryMB,
      },
    ]);
    expect(reports[0]!.durationMs).toBeGreaterThanOrEqual(100);
    expect(reports[0]!.peakHeapMB).toBeGreaterThanOrEqual(75);
  });

  it("warns, per function, when its slowest invocation or its largest heap would not fit on Lambda", () => {
    // Prepare
    const report = (durationMs: number, peakHeapMB: number): InvocationReport => ({
      function: "FinishGold",
      durationMs,
      peakHeapMB,
      timeoutSeconds: 900,
      memoryMB: 512,
    });
    // Act
    const warnings = fitWarnings([report(1_000, 100), report(912_400, 100), report(2_000, 700)]);
    // Assess
    expect(warnings).toEqual([
      "FinishGold ran 912.4 s, over its 900 s timeout",
      "FinishGold peaked at 700 MB of heap, over its 512 MB of memory",
    ]);
    expect(fitWarnings([report(1_000, 100)])).toEqual([]);
  });
});
