import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { getJourney, listJourneys } from "@medallion/core/journey";
import { stepFunctions } from "@medallion/core/limits";
import type { TaskHandler } from "@medallion/local/pipeline";
import type { LocalStack } from "@medallion/local/stack";
import type { EmbeddedStack } from "@medallion/testing/embedded-stack";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Step Functions' 256 KB state limit, as the embedded stack enforces it on the pipeline.
describe("a state over 256 KB on the embedded stack", () => {
  let lake: EmbeddedStack;
  let stack: LocalStack;
  let doc: DynamoDBDocumentClient;
  beforeAll(async () => {
    lake = await startEmbeddedStack({ name: "state-limit" });
    ({ stack, doc } = lake);
  });
  afterAll(() => lake?.close());

  it("fails the task with States.DataLimitExceeded, which the pipeline catches: journey failed, lock released", async () => {
    // Prepare: a pending file, and a plan task whose result carries 300 KB (as plans once did).
    const key = "car_telemetry/limit.ndjson";
    const reading = { carChassis: "CAR-1", currentMileage: 1, metricTimestamp: "2024-05-01T10:00:00Z" };
    await lake.land(key, JSON.stringify(reading));
    const plan: TaskHandler = stack.pipeline.PlanSilver;
    stack.pipeline.PlanSilver = async (event, context) => ({
      ...((await plan(event, context)) as object),
      files: Array.from({ length: 1_000 }, (_, i) => ({ file_id: `${"x".repeat(300)}-${i}` })),
    });
    // Act
    let failed: Awaited<ReturnType<LocalStack["execute"]>>;
    try {
      failed = await stack.execute({
        dataset: "car_telemetry",
        window: { from: "2024-05-01T10:00:00Z", to: "2024-05-01T11:00:00Z" },
      });
    } finally {
      stack.pipeline.PlanSilver = plan;
    }
    const next = await stack.execute({
      dataset: "car_telemetry",
      window: { from: "2024-05-01T11:00:00Z", to: "2024-05-01T12:00:00Z" },
    });
    // Assess: the oversized result failed its task, the explicit catcher failed the journey and
    // released the lock, so the next run takes the dataset and the file.
    expect(failed.status).toBe("FAILED");
    const planFailure = failed.states.find((s) => s.state === "PlanSilver" && s.event === "failed");
    expect(planFailure?.error).toMatch(
      new RegExp(`^States.DataLimitExceeded: .*over Step Functions' ${stepFunctions.maxStateBytes}-byte limit`),
    );
    expect(failed.states.map((s) => `${s.state}:${s.event}`)).toEqual(
      expect.arrayContaining(["FailJourney:succeeded", "ReleaseDatasetLockAfterFailure:succeeded"]),
    );
    const journeys = await listJourneys({ doc, table: stack.names.JourneyControl! });
    expect(journeys.find((j) => j.status === "failed")?.error).toMatchObject({ name: "States.DataLimitExceeded" });
    expect(next.status, JSON.stringify(next.error)).toBe("SUCCEEDED");
    expect(next.output!.silver).toMatchObject({ files: 1, rowsOut: 1 });
    expect(next.largestState.bytes).toBeLessThan(stepFunctions.maxStateBytes / 8);
    const journey = await getJourney({
      doc,
      table: stack.names.JourneyControl!,
      journeyId: next.output!.journey.journey_id,
    });
    expect(journey?.status).toBe("completed");
  });
});
