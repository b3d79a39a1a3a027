import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDynamo } from "../../../../test/helpers/dynamo";
import type { TestDynamo } from "../../../../test/helpers/dynamo";
import { JourneyFailedError, executeWithJourney, getJourney, journeyIdFor } from "../../src/store/journey";

describe("executeWithJourney", () => {
  let dynamo: TestDynamo;
  let store: { doc: TestDynamo["doc"]; table: string };
  let delays: number[];
  const sleep = async (ms: number) => void delays.push(ms);

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    store = { doc: dynamo.doc, table: dynamo.tableName("JourneyControl") };
  });
  afterAll(() => dynamo.close());

  it("retries a flaky function with exponential backoff and records each attempt", async () => {
    // Prepare
    delays = [];
    let calls = 0;
    const flaky = async ({ attempt }: { attempt: number }) => {
      calls++;
      if (attempt < 2) throw new Error(`transient failure ${attempt}`);
      return "consolidated";
    };
    // Act
    const outcome = await executeWithJourney(flaky, {
      ...store,
      idempotencyKey: "exec-flaky",
      maxRetries: 3,
      baseDelayMs: 100,
      sleep,
      step: "silver",
      stepFields: { dataset: "car-telemetry", layer: "silver" },
    });
    // Assess
    expect(outcome).toMatchObject({ duplicate: false, result: "consolidated", attempts: 3, journey: { status: "completed" } });
    expect(calls).toBe(3);
    expect(delays).toEqual([100, 200]);
    const steps = outcome.journey.steps;
    expect(steps.map((step) => [step.step, step.status, step.attempt])).toEqual([
      ["silver", "failed", 0],
      ["silver", "failed", 1],
      ["silver", "succeeded", 2],
    ]);
    expect(steps[0]).toMatchObject({ message: "Error: transient failure 0", dataset: "car-telemetry", layer: "silver" });
  });

  it("ends a journey failed with the error of a function that always fails", async () => {
    // Prepare
    delays = [];
    let calls = 0;
    const broken = async () => {
      calls++;
      throw new RangeError("gold key not unique");
    };
    // Act
    const thrown = await executeWithJourney(broken, { ...store, idempotencyKey: "exec-broken", maxRetries: 2, baseDelayMs: 10, sleep }).catch((error: unknown) => error);
    // Assess
    expect(thrown).toBeInstanceOf(JourneyFailedError);
    expect((thrown as JourneyFailedError).cause).toBeInstanceOf(RangeError);
    expect(calls).toBe(3);
    expect(delays).toEqual([10, 20]);
    const journey = await getJourney({ ...store, journeyId: journeyIdFor("exec-broken") });
    expect(journey).toMatchObject({ status: "failed", error: { name: "RangeError", message: "gold key not unique" } });
    expect(journey?.steps.map((step) => step.status)).toEqual(["failed", "failed", "failed"]);
  });

  it("caps each backoff delay at maxDelayMs", async () => {
    // Prepare
    delays = [];
    const broken = async () => {
      throw new Error("down");
    };
    // Act
    await executeWithJourney(broken, { ...store, idempotencyKey: "exec-capped", maxRetries: 4, baseDelayMs: 100, maxDelayMs: 250, sleep }).catch(() => undefined);
    // Assess
    expect(delays).toEqual([100, 200, 250, 250]);
  });

  it("does not run a function whose key already completed", async () => {
    // Prepare
    let calls = 0;
    const work = async () => ++calls;
    await executeWithJourney(work, { ...store, idempotencyKey: "exec-once" });
    // Act
    const again = await executeWithJourney(work, { ...store, idempotencyKey: "exec-once" });
    // Assess
    expect(calls).toBe(1);
    expect(again).toMatchObject({ duplicate: true, journey: { status: "completed" } });
  });

  it("resumes a failed key on a later run, counting the retry", async () => {
    // Prepare
    const key = "exec-resume";
    await executeWithJourney(
      async () => {
        throw new Error("first run fails");
      },
      { ...store, idempotencyKey: key, maxRetries: 0 },
    ).catch(() => undefined);
    // Act
    const second = await executeWithJourney(async () => "ok", { ...store, idempotencyKey: key });
    // Assess
    expect(second).toMatchObject({ duplicate: false, result: "ok", journey: { status: "completed", retry_count: 1 } });
    expect(second.journey.steps.map((step) => step.status)).toEqual(["failed", "succeeded"]);
  });

  it("renews the lease while a slow attempt runs, so a live run is not mistaken for a crashed one", async () => {
    // Prepare
    const leaseMs = 300;
    const journeyId = journeyIdFor("exec-slow");
    const waitForRenewal = async () => {
      const initial = (await getJourney({ ...store, journeyId }))!.lease_until!;
      for (let poll = 0; poll < 200; poll++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        const current = (await getJourney({ ...store, journeyId }))!.lease_until!;
        if (current > initial) return current - initial;
      }
      return 0;
    };
    // Act
    const outcome = await executeWithJourney(waitForRenewal, { ...store, idempotencyKey: "exec-slow", leaseMs });
    // Assess
    expect(outcome.duplicate).toBe(false);
    expect(outcome.duplicate === false && outcome.result).toBeGreaterThan(0);
  });
});
