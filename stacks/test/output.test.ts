import { describe, expect, it } from "vitest";
import { perTaskFunction } from "../src/functions";
import { pipelineOutputSchema } from "../src/output";
import { pipelineDefinition, pipelineStates } from "../src/pipeline";
import type { TaskState } from "../src/states";

const definition = pipelineDefinition({ functionArns: perTaskFunction((name) => name), athenaWorkGroup: "wg" });

describe("pipelineOutputSchema", () => {
  it("reads each task's result where the definition puts it", () => {
    // Prepare: the ResultPath of the task states the output names.
    const resultPath = (state: string) => (definition.States[state] as TaskState).ResultPath;
    // Act
    const paths = {
      run: resultPath(pipelineStates.ResolveWindow),
      journey: resultPath(pipelineStates.StartJourney),
      silver: resultPath(pipelineStates.CommitSilver),
      gold: resultPath(pipelineStates.FinishGold),
      completed: resultPath(pipelineStates.CompleteJourney),
    };
    // Assess: every key but the input's dataset is a task's ResultPath.
    expect(Object.keys(pipelineOutputSchema.shape).sort()).toEqual(["dataset", ...Object.keys(paths)].sort());
    for (const [key, path] of Object.entries(paths)) expect(path, key).toBe(`$.${key}`);
  });

  it("refuses an output whose journey is not the start task's result, naming the field", () => {
    // Act
    const parsed = pipelineOutputSchema.safeParse({
      dataset: "car_telemetry",
      run: { dataset: "car_telemetry", kind: "hourly", from: "a", to: "b", idempotencyKey: "k" },
      journey: { journey_id: "j" },
    });
    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join("."))).toContain("journey.duplicate");
  });
});
