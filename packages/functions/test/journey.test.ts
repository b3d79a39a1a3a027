import { getJourney, journeyIdFor } from "@medallion/core/journey";
import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { lambdaContext } from "@medallion/testing/lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

describe("journey handlers", () => {
  let dynamo: TestDynamo;
  let journey: typeof import("../src/journey");
  let observability: typeof import("../src/shared/observability");
  beforeAll(async () => {
    // The handlers read SST links and endpoints from the environment on first use.
    dynamo = await startTestDynamo({ applyEnv: true });
    journey = await import("../src/journey");
    observability = await import("../src/shared/observability");
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => dynamo.close());

  const store = () => ({ doc: dynamo.doc, table: dynamo.tableName("JourneyControl") });

  it("runs a journey start → step → complete, and a repeated start reports the duplicate", async () => {
    // Prepare
    const key = "handler#car-telemetry#2026-11-24T01";
    // Act
    const started = await journey.start(
      { idempotency_key: key, metadata: { job_name: "hourly", dataset: "car-telemetry" } },
      lambdaContext("journey-start"),
    );
    const stepped = await journey.recordStep(
      {
        journey_id: started.journey_id,
        run_id: started.run_id ?? undefined,
        step: {
          step: "silver",
          status: "succeeded",
          layer: "silver",
          dataset: "car-telemetry",
          records_in: 5,
          records_out: 4,
          started_at: "2026-11-24T01:00:00.000Z",
          finished_at: "2026-11-24T01:00:02.000Z",
          duration_ms: 2_000,
        },
      },
      lambdaContext("journey-record-step"),
    );
    const completed = await journey.complete(
      { journey_id: started.journey_id, run_id: started.run_id ?? undefined },
      lambdaContext("journey-complete"),
    );
    const repeated = await journey.start({ idempotency_key: key }, lambdaContext("journey-start"));
    // Assess
    expect(started).toMatchObject({
      journey_id: journeyIdFor(key),
      status: "in_progress",
      duplicate: false,
      resumed: false,
      retry_count: 0,
    });
    expect(stepped).toMatchObject({ status: "in_progress", steps: 1 });
    expect(completed).toMatchObject({ status: "completed", steps: 1 });
    expect(repeated).toMatchObject({ journey_id: started.journey_id, status: "completed", duplicate: true });
    const stored = await getJourney({ ...store(), journeyId: started.journey_id });
    expect(stored?.metadata).toEqual({ job_name: "hourly", dataset: "car-telemetry" });
    expect(stored?.steps[0]).toMatchObject({ step: "silver", records_out: 4, code_version: "dev" });
    expect(stored?.steps[0]?.host).toBeTruthy();
  });

  it("logs and counts each recorded step: the processing log's other two sinks", async () => {
    // Prepare
    const started = await journey.start({ idempotency_key: "handler#observed" }, lambdaContext("journey-start"));
    const logged = vi.spyOn(observability.logger, "error");
    const added: [string, number, Record<string, string>][] = [];
    vi.spyOn(observability.metrics, "singleMetric").mockImplementation(() => {
      let dimensions: Record<string, string> = {};
      const fake = {
        addDimensions: (d: Record<string, string>) => {
          dimensions = d;
        },
        addMetadata: () => undefined,
        addMetric: (name: string, _unit: unknown, value: number) => void added.push([name, value, dimensions]),
      };
      return fake as never;
    });
    // Act
    await journey.recordStep(
      {
        journey_id: started.journey_id,
        step: {
          step: "ingest",
          status: "failed",
          layer: "bronze",
          file: "landing/a.json",
          message: "bad JSON",
          records_in: 3,
          records_invalid: 3,
          started_at: "2026-11-24T01:00:00.000Z",
          finished_at: "2026-11-24T01:00:00.250Z",
          duration_ms: 250,
        },
      },
      lambdaContext("journey-record-step"),
    );
    // Assess
    expect(logged).toHaveBeenCalledWith(
      "step ingest failed",
      expect.objectContaining({
        journey_id: started.journey_id,
        file: "landing/a.json",
        message: "bad JSON",
        records_invalid: 3,
      }),
    );
    expect(added).toEqual([
      ["StepDuration", 250, { layer: "bronze", status: "failed" }],
      ["RecordsProcessed", 3, { layer: "bronze", status: "failed" }],
      ["RecordsInvalid", 3, { layer: "bronze", status: "failed" }],
    ]);
  });

  it("records the Athena queries a step ran as its usage, and publishes the run's bytes scanned per dataset", async () => {
    // Prepare: the statistics the state machine kept of two queries.
    const started = await journey.start(
      { idempotency_key: "handler#usage", metadata: { dataset: "car-telemetry" } },
      lambdaContext("journey-start"),
    );
    const queries = [
      { DataScannedInBytes: 30 * 1024 ** 2 + 1, EngineExecutionTimeInMillis: 900 },
      { DataScannedInBytes: 1_000, EngineExecutionTimeInMillis: 100 },
    ];
    const published: [string, number, string | undefined][] = [];
    vi.spyOn(observability.metrics, "singleMetric").mockImplementation(() => {
      let dataset: string | undefined;
      const fake = {
        addDimension: (_name: string, value: string) => {
          dataset = value;
        },
        addDimensions: () => undefined,
        addMetadata: () => undefined,
        addMetric: (name: string, _unit: unknown, value: number) => void published.push([name, value, dataset]),
      };
      return fake as never;
    });
    // Act
    await journey.recordStep(
      {
        journey_id: started.journey_id,
        run_id: started.run_id ?? undefined,
        step: { step: "silver_consolidation", status: "succeeded", started_at: "2026-11-24T01:00:00.000Z" },
        queries,
      },
      lambdaContext("journey-record-step"),
    );
    await journey.complete(
      { journey_id: started.journey_id, run_id: started.run_id ?? undefined },
      lambdaContext("journey-complete"),
    );
    // Assess: each query billed as Athena bills it (a megabyte up, 10 MB at least).
    const stored = await getJourney({ ...store(), journeyId: started.journey_id });
    expect(stored?.steps[0]?.usage).toEqual({
      athena_queries: 2,
      athena_bytes_scanned: 30 * 1024 ** 2 + 1_001,
      athena_billed_bytes: 31 * 1024 ** 2 + 10 * 1024 ** 2,
      athena_engine_ms: 1_000,
    });
    expect(published).toContainEqual(["AthenaBytesScanned", 30 * 1024 ** 2 + 1_001, "car-telemetry"]);
  });

  it("fails a journey with the error Step Functions caught, and a later start resumes it", async () => {
    // Prepare
    const started = await journey.start({ idempotency_key: "handler#fails" }, lambdaContext("journey-start"));
    const caught = {
      Error: "GoldMergeError",
      Cause: JSON.stringify({ errorType: "GoldMergeError", errorMessage: "source key not unique" }),
    };
    // Act
    const failed = await journey.fail(
      { journey_id: started.journey_id, run_id: started.run_id ?? undefined, error: caught },
      lambdaContext("journey-fail"),
    );
    const resumed = await journey.start({ idempotency_key: "handler#fails" }, lambdaContext("journey-start"));
    // Assess
    expect(failed).toMatchObject({
      status: "failed",
      error: { name: "GoldMergeError", message: "source key not unique" },
    });
    expect(resumed).toMatchObject({ status: "in_progress", resumed: true, retry_count: 1 });
  });

  it("records what the execution's history shows as the run's usage step, and completes a run whose history is unreadable", async () => {
    // Prepare: the embedded stack's GetExecutionHistory stand-in answers the handlers' client.
    const { answerGetExecutionHistory, LocalExecutionHistory } = await import("@medallion/local/history");
    const { clients } = await import("../src/shared/clients");
    const arn = "arn:aws:states:us-east-1:000000000000:execution:medallion-local-pipeline:handler-usage";
    const history = new LocalExecutionHistory(Date.now() - 100);
    history.entered("ResolveWindow", "Task", Date.now());
    history.invoking("ResolveWindow")(true);
    history.entered("CompleteJourney", "Task", Date.now());
    history.invoking("CompleteJourney");
    answerGetExecutionHistory(clients.sfn, new Map([[arn, history]]));
    const read = await journey.start({ idempotency_key: "handler#usage" }, lambdaContext("journey-start"));
    const unread = await journey.start({ idempotency_key: "handler#no-history" }, lambdaContext("journey-start"));
    const warn = vi.spyOn(observability.logger, "warn");
    // Act
    await journey.complete(
      { journey_id: read.journey_id, run_id: read.run_id ?? undefined, execution_arn: arn },
      lambdaContext("journey-complete"),
    );
    const completed = await journey.complete(
      { journey_id: unread.journey_id, run_id: unread.run_id ?? undefined, execution_arn: `${arn}-gone` },
      lambdaContext("journey-complete"),
    );
    // Assess
    const recorded = await getJourney({ ...store(), journeyId: read.journey_id });
    const usageStep = recorded?.steps.find((step) => step.step === "run_usage");
    expect(usageStep?.message).toBe("execution handler-usage");
    expect(usageStep?.usage).toMatchObject({ state_transitions: 2, lambda_invocations: 2 });
    expect(usageStep?.details).toMatchObject({
      functions: [
        { function: "ResolveWindow", invocations: 1 },
        { function: "CompleteJourney", invocations: 1 },
      ],
    });
    expect(completed.status).toBe("completed");
    expect(warn).toHaveBeenCalledWith("the execution's usage was not recorded", expect.anything());
  });

  it("refuses a second start while a run is in progress, with an error Step Functions can match", async () => {
    // Prepare
    await journey.start({ idempotency_key: "handler#busy" }, lambdaContext("journey-start"));
    // Act
    const second = journey.start({ idempotency_key: "handler#busy" }, lambdaContext("journey-start"));
    // Assess
    await expect(second).rejects.toMatchObject({ name: "JourneyInProgressError" });
  });

  it("rejects a step that is not a processing-log record, naming the field", async () => {
    // Act
    const error = await journey
      .recordStep(
        { journey_id: "j-x", step: { step: "silver", status: "maybe" } } as never,
        lambdaContext("journey-record-step"),
      )
      .catch((caught: unknown) => caught);
    // Assess
    expect(error).toMatchObject({ name: "InvalidEventError" });
    expect((error as Error).message).toMatch(/step\.status/);
    expect((error as Error).message).toMatch(/step\.started_at/);
  });

  it("appends a step once when the state machine retries the task with the same input", async () => {
    // Prepare
    const started = await journey.start({ idempotency_key: "handler#retried-step" }, lambdaContext("journey-start"));
    const event = {
      journey_id: started.journey_id,
      step: {
        step: "gold",
        status: "succeeded" as const,
        started_at: "2026-11-24T01:00:00.000Z",
        finished_at: "2026-11-24T01:00:01.000Z",
        duration_ms: 1_000,
      },
    };
    // Act
    await journey.recordStep(event, lambdaContext("journey-record-step"));
    const retried = await journey.recordStep(event, lambdaContext("journey-record-step"));
    // Assess
    expect(retried.steps).toBe(1);
  });
});
