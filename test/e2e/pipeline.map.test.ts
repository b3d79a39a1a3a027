import type { LocalStack } from "@medallion/local/stack";
import { pipelineStates as S } from "@medallion/stacks/pipeline";
import type { EmbeddedStack } from "@medallion/testing/embedded-stack";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Step Functions stops a Map's other iterations when one fails, before its Catch runs; the local
// runner must too, or a failed plan's remaining gold statements run alongside the failure path
// and the next plan.
describe("a failed Map on the embedded stack", () => {
  const dataset = "car_telemetry";
  let lake: EmbeddedStack;
  let stack: LocalStack;
  beforeAll(async () => {
    lake = await startEmbeddedStack({ name: "map" });
    ({ stack } = lake);
  });
  afterAll(() => lake?.close());

  it("starts no task of the Map's remaining iterations once one failed, each time the Map runs", async () => {
    // Prepare: a file to consolidate; the gold Map's first statement fails each time, and each
    // statement the Map loads and each call of the failure path is recorded in order.
    const record = JSON.stringify({ carChassis: "MAP-1", currentMileage: 10, metricTimestamp: "2024-03-01T08:00:00Z" });
    expect((await lake.land(`${dataset}/m.json`, record)).error).toBeUndefined();
    const calls: string[] = [];
    const { LoadGoldQuery, RecordPlanFailure } = stack.pipeline;
    stack.pipeline.LoadGoldQuery = async (event, context) => {
      const { index } = event as { index: number };
      calls.push(`${S.LoadGoldQuery}#${index}`);
      if (index === 0) throw new Error("injected failure of the first gold statement");
      return LoadGoldQuery(event, context);
    };
    stack.pipeline.RecordPlanFailure = (event, context) => {
      calls.push(S.RecordPlanFailure);
      return RecordPlanFailure(event, context);
    };
    try {
      // Act
      const run = await stack.execute({
        dataset,
        window: { from: "2024-03-01T00:00:00Z", to: "2024-03-02T00:00:00Z" },
      });

      // Assess: the run re-planned until its cap and failed; each gold Map ran only its first
      // iteration, which failed, and the failure path followed it with nothing of the Map between.
      expect(run.status).toBe("FAILED");
      const mapRuns = run.states.filter((s) => s.state === S.RunGoldStatements && s.event === "entered").length;
      expect(mapRuns).toBeGreaterThan(1);
      expect(calls).toEqual(
        Array.from({ length: mapRuns }, () => [`${S.LoadGoldQuery}#0`, S.RecordPlanFailure]).flat(),
      );
      // Nothing of a stopped iteration is reported as a state of the run.
      expect(run.states.filter((s) => s.state === S.RunGoldQuery || s.state === S.RunGoldMerge)).toEqual([]);
    } finally {
      Object.assign(stack.pipeline, { LoadGoldQuery, RecordPlanFailure });
    }
  }, 300_000);
});
