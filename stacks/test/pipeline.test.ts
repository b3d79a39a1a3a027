import aslValidator from "asl-validator";
import { describe, expect, it } from "vitest";
import { pipelineDefinition, pipelineStates } from "../src/pipeline";
import type { State, TaskState } from "../src/states";

const arn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:medallion-prod-${name}`;
const definition = pipelineDefinition({
  functions: {
    window: arn("window"),
    journeyStart: arn("journey-start"),
    journeyRecordStep: arn("journey-record-step"),
    journeyComplete: arn("journey-complete"),
    journeyFail: arn("journey-fail"),
    lockAcquire: arn("lock-acquire"),
    lockRelease: arn("lock-release"),
    silverPlan: arn("silver-plan"),
    silverCommit: arn("silver-commit"),
    silverFinish: arn("silver-finish"),
    goldMerge: arn("gold-merge"),
  },
  athenaWorkGroup: "medallion-prod",
});

function allStates(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...(state.Type === "Map" ? allStates(state.ItemProcessor.States) : []),
  ]);
}

describe("pipelineDefinition", () => {
  it("is valid Amazon States Language (asl-validator, JSON paths and ARNs checked)", () => {
    // Act
    const { isValid, errorsText } = aslValidator(JSON.parse(JSON.stringify(definition)));
    // Assess
    expect(errorsText()).toBe("");
    expect(isValid).toBe(true);
  });

  it("fails the journey on any error after it started, but never on a refused start", () => {
    // Prepare
    const tasks = allStates(definition.States).filter(([, state]) => state.Type === "Task" || state.Type === "Map") as [
      string,
      TaskState,
    ][];
    // Before the journey exists, the failure path itself, and the query inside the Map (the Map catches).
    const beforeJourney = new Set<string>([
      pipelineStates.window,
      pipelineStates.start,
      pipelineStates.fail,
      pipelineStates.releaseAfterFailure,
      pipelineStates.runQuery,
    ]);
    // Assess
    for (const [name, state] of tasks) {
      if (beforeJourney.has(name)) {
        expect(state.Catch?.some((c) => c.Next === pipelineStates.fail) ?? false, name).toBe(false);
      } else {
        expect(state.Catch?.[0], name).toMatchObject({ ErrorEquals: ["States.ALL"], Next: pipelineStates.fail });
      }
    }
    expect(definition.States[pipelineStates.fail]).toMatchObject({ Next: pipelineStates.releaseAfterFailure });
    expect(definition.States[pipelineStates.releaseAfterFailure]).toMatchObject({
      Next: "PipelineFailed",
      Catch: [{ Next: "PipelineFailed" }],
    });
  });

  it("retries transient errors only: never States.ALL or a bad-input error", () => {
    for (const [name, state] of allStates(definition.States)) {
      if (state.Type !== "Task") continue;
      expect(state.Retry?.length, name).toBeGreaterThan(0);
      for (const retry of state.Retry ?? []) {
        expect(retry.ErrorEquals, name).not.toContain("States.ALL");
        expect(retry.ErrorEquals, name).not.toContain("States.TaskFailed");
        expect(retry.ErrorEquals, name).not.toContain("InvalidEventError");
      }
    }
  });

  it("runs silver's queries on Athena with the .sync integration, one at a time, so no Lambda waits", () => {
    const map = definition.States[pipelineStates.runQueries];
    expect(map?.Type).toBe("Map");
    if (map?.Type !== "Map") return;
    expect(map.MaxConcurrency).toBe(1);
    const query = map.ItemProcessor.States[pipelineStates.runQuery] as TaskState;
    expect(query.Resource).toBe("arn:aws:states:::athena:startQueryExecution.sync");
    expect(query.Parameters).toMatchObject({ "QueryString.$": "$.sql", WorkGroup: "medallion-prod" });
  });
});
