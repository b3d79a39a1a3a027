import { spawnSync } from "node:child_process";
import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { itemSize } from "../../src/dynamo/item-size";
import {
  completeJourney,
  errorInfo,
  failJourney,
  getJourney,
  JourneyInProgressError,
  JourneyLeaseLostError,
  JourneyNotFoundError,
  JourneyStateError,
  journeyIdFor,
  listJourneys,
  MAX_KEPT_STEPS,
  recordStep,
  renewLease,
  startJourney,
} from "../../src/journey/index";
import { stepTiming } from "../../src/journey/step";
import { dynamodb } from "../../src/limits/index";
import { thisProcess } from "../../src/lock/index";

describe("journey control", () => {
  let dynamo: TestDynamo;
  let store: { doc: TestDynamo["doc"]; table: string };
  let keys = 0;
  const uniqueKey = (label: string) => `${label}#${++keys}`;

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    store = { doc: dynamo.doc, table: dynamo.tableName("JourneyControl") };
  });
  afterAll(() => dynamo.close());

  it("maps one idempotency key to one journey id, and different keys to different ids", () => {
    // Prepare
    const key = "car-telemetry#2026-11-24T01";
    // Act
    const ids = [journeyIdFor(key), journeyIdFor(key), journeyIdFor(`${key}x`)];
    // Assess
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).not.toBe(ids[2]);
    expect(ids[0]).toMatch(/^j-[0-9a-f]{32}$/);
  });

  it("lets exactly one of 20 concurrent starts with one key proceed", async () => {
    // Prepare
    const idempotencyKey = uniqueKey("race");
    // Act
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        startJourney({ ...store, idempotencyKey, metadata: { dataset: "car-telemetry" } }),
      ),
    );
    // Assess
    const winners = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const refusals = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(winners).toHaveLength(1);
    expect(refusals).toHaveLength(19);
    for (const refusal of refusals)
      expect((refusal as PromiseRejectedResult).reason).toBeInstanceOf(JourneyInProgressError);
    const stored = await getJourney({ ...store, journeyId: journeyIdFor(idempotencyKey) });
    expect(stored).toMatchObject({
      status: "in_progress",
      retry_count: 0,
      idempotency_key: idempotencyKey,
      metadata: { dataset: "car-telemetry" },
    });
    expect(stored?.run_id).toBe(
      (winners[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof startJourney>>>).value.journey.run_id,
    );
  });

  it("returns a completed journey as a duplicate and changes nothing", async () => {
    // Prepare
    const idempotencyKey = uniqueKey("done");
    const { journey } = await startJourney({ ...store, idempotencyKey });
    const completed = await completeJourney({ ...store, journeyId: journey.journey_id, runId: journey.run_id });
    // Act
    const again = await startJourney({ ...store, idempotencyKey });
    // Assess
    expect(again.duplicate).toBe(true);
    expect(again.resumed).toBe(false);
    expect(again.journey).toEqual(completed);
    expect(again.journey.status).toBe("completed");
    expect(again.journey.lease_until).toBeUndefined();
  });

  it("resumes a failed journey with retry_count counted and the old error cleared", async () => {
    // Prepare
    const idempotencyKey = uniqueKey("failed");
    const first = await startJourney({ ...store, idempotencyKey });
    const failed = await failJourney({
      ...store,
      journeyId: first.journey.journey_id,
      runId: first.journey.run_id,
      error: new TypeError("bad partition"),
    });
    // Act
    const second = await startJourney({ ...store, idempotencyKey });
    const third = await failJourney({ ...store, journeyId: second.journey.journey_id, error: "again" }).then(() =>
      startJourney({ ...store, idempotencyKey }),
    );
    // Assess
    expect(failed).toMatchObject({ status: "failed", error: { name: "TypeError", message: "bad partition" } });
    expect(second).toMatchObject({
      duplicate: false,
      resumed: true,
      journey: { status: "in_progress", retry_count: 1 },
    });
    expect(second.journey.error).toBeUndefined();
    expect(second.journey.run_id).not.toBe(first.journey.run_id);
    expect(third.journey.retry_count).toBe(2);
  });

  it("refuses a second run while the lease holds, and resumes a crashed run once it expired", async () => {
    // Prepare
    let now = Date.parse("2026-11-24T01:00:00Z");
    const clock = () => now;
    const idempotencyKey = uniqueKey("crash");
    const crashed = await startJourney({ ...store, clock, idempotencyKey, leaseMs: 60_000 });
    // Act
    now += 59_000;
    const early = await startJourney({ ...store, clock, idempotencyKey, leaseMs: 60_000 }).catch(
      (error: unknown) => error,
    );
    now += 2_000;
    const resumed = await startJourney({ ...store, clock, idempotencyKey, leaseMs: 60_000 });
    const lateWrite = await recordStep({
      ...store,
      clock,
      journeyId: crashed.journey.journey_id,
      runId: crashed.journey.run_id,
      step: { step: "silver", status: "succeeded", ...stepTiming(now - 10, now) },
    }).catch((error: unknown) => error);
    // Assess
    expect(early).toBeInstanceOf(JourneyInProgressError);
    expect(resumed).toMatchObject({
      resumed: true,
      duplicate: false,
      journey: { status: "in_progress", retry_count: 1, lease_until: now + 60_000 },
    });
    expect(lateWrite).toBeInstanceOf(JourneyLeaseLostError);
  });

  it("resumes at once a journey whose run's process is gone, and not one whose run lives", async () => {
    // Prepare: a run on this host killed with -9 (its pid exited), and a live one (this process)
    const idempotencyKey = uniqueKey("killed");
    const gone = { host: thisProcess().host, pid: spawnSync(process.execPath, ["-e", "0"]).pid ?? 999_999 };
    const killed = await startJourney({ ...store, idempotencyKey, leaseMs: 3_600_000, holder: gone });
    const liveKey = uniqueKey("alive");
    await startJourney({ ...store, idempotencyKey: liveKey, leaseMs: 3_600_000 });
    // Act
    const resumed = await startJourney({ ...store, idempotencyKey, leaseMs: 60_000 });
    const refused = await startJourney({ ...store, idempotencyKey: liveKey }).catch((error: unknown) => error);
    // Assess
    expect(killed.journey).toMatchObject({ run_host: gone.host, run_pid: gone.pid });
    expect(resumed).toMatchObject({ resumed: true, journey: { retry_count: 1, run_pid: process.pid } });
    expect(resumed.journey.run_id).not.toBe(killed.journey.run_id);
    expect(refused).toBeInstanceOf(JourneyInProgressError);
  });

  it("appends steps in order, renews the lease, and keeps every processing-log field", async () => {
    // Prepare
    let now = Date.parse("2026-11-24T02:00:00Z");
    const clock = () => now;
    const { journey } = await startJourney({ ...store, clock, idempotencyKey: uniqueKey("steps"), leaseMs: 1_000 });
    const write = { ...store, clock, journeyId: journey.journey_id, runId: journey.run_id, leaseMs: 1_000 };
    // Act
    now += 900;
    await recordStep({
      ...write,
      step: {
        step: "silver",
        status: "succeeded",
        dataset: "car-telemetry",
        layer: "silver",
        partition: "event_date=2026-11-23",
        message: "consolidated",
        details: { duplicates_removed: 3 },
        records_in: 10,
        records_out: 7,
        records_invalid: 0,
        host: "test-host",
        code_version: "abc123",
        ...stepTiming(now - 800, now),
      },
    });
    now += 900;
    const after = await recordStep({
      ...write,
      step: {
        step: "gold",
        status: "failed",
        message: "x".repeat(5_000),
        file: "bronze/a.parquet",
        ...stepTiming(now - 5, now),
      },
    });
    // Assess
    expect(after.steps.map((step) => step.step)).toEqual(["silver", "gold"]);
    expect(after.steps[0]).toMatchObject({
      layer: "silver",
      partition: "event_date=2026-11-23",
      records_out: 7,
      details: { duplicates_removed: 3 },
      duration_ms: 800,
      host: "test-host",
    });
    expect(after.steps[1]!.message!.length).toBeLessThan(2_100);
    expect(after.lease_until).toBe(now + 1_000);
  });

  it("refuses steps on a completed journey and on an unknown one, naming the reason", async () => {
    // Prepare
    const { journey } = await startJourney({ ...store, idempotencyKey: uniqueKey("closed") });
    await completeJourney({ ...store, journeyId: journey.journey_id });
    const step = { step: "late", status: "succeeded" as const, ...stepTiming(0, 1) };
    // Act
    const onCompleted = await recordStep({ ...store, journeyId: journey.journey_id, step }).catch(
      (error: unknown) => error,
    );
    const onUnknown = await recordStep({ ...store, journeyId: journeyIdFor("never-started"), step }).catch(
      (error: unknown) => error,
    );
    const failCompleted = await failJourney({ ...store, journeyId: journey.journey_id, error: "late" }).catch(
      (error: unknown) => error,
    );
    // Assess
    expect(onCompleted).toBeInstanceOf(JourneyStateError);
    expect((onCompleted as Error).message).toContain("is completed");
    expect(onUnknown).toBeInstanceOf(JourneyNotFoundError);
    expect(failCompleted).toBeInstanceOf(JourneyStateError);
  });

  it("treats completing or failing the same run twice as a no-op", async () => {
    // Prepare
    const a = await startJourney({ ...store, idempotencyKey: uniqueKey("twice-a") });
    const b = await startJourney({ ...store, idempotencyKey: uniqueKey("twice-b") });
    const completed = await completeJourney({ ...store, journeyId: a.journey.journey_id, runId: a.journey.run_id });
    const failed = await failJourney({
      ...store,
      journeyId: b.journey.journey_id,
      runId: b.journey.run_id,
      error: "boom",
    });
    // Act
    const completedAgain = await completeJourney({
      ...store,
      journeyId: a.journey.journey_id,
      runId: a.journey.run_id,
    });
    const failedAgain = await failJourney({
      ...store,
      journeyId: b.journey.journey_id,
      runId: b.journey.run_id,
      error: "boom",
    });
    // Assess
    expect(completedAgain).toEqual(completed);
    expect(failedAgain).toEqual(failed);
  });

  it("starts afresh a journey whose retention expired but which TTL has not deleted yet", async () => {
    // Prepare
    let now = Date.parse("2026-01-01T00:00:00Z");
    const clock = () => now;
    const idempotencyKey = uniqueKey("expired");
    const old = await startJourney({ ...store, clock, idempotencyKey, retentionDays: 1 });
    await completeJourney({ ...store, clock, journeyId: old.journey.journey_id });
    // Act
    now += 2 * 86_400_000;
    const hidden = await getJourney({ ...store, clock, journeyId: old.journey.journey_id });
    const fresh = await startJourney({ ...store, clock, idempotencyKey, retentionDays: 1 });
    // Assess
    expect(hidden).toBeUndefined();
    expect(fresh).toMatchObject({
      duplicate: false,
      resumed: false,
      journey: { status: "in_progress", retry_count: 0, steps: [] },
    });
    expect(fresh.journey.created_at).toBe(new Date(now).toISOString());
  });

  it("stores a Step Functions error object as the Lambda error's name and message", async () => {
    // Prepare
    const { journey } = await startJourney({ ...store, idempotencyKey: uniqueKey("sfn-error") });
    const caught = {
      Error: "SilverConsolidationError",
      Cause: JSON.stringify({
        errorType: "SilverConsolidationError",
        errorMessage: "partition 2026-11-23 has duplicates",
      }),
    };
    // Act
    const failed = await failJourney({ ...store, journeyId: journey.journey_id, error: caught });
    // Assess
    expect(failed.error).toEqual({ name: "SilverConsolidationError", message: "partition 2026-11-23 has duplicates" });
    expect(errorInfo({ Error: "States.Timeout", Cause: "task timed out" })).toEqual({
      name: "States.Timeout",
      message: "task timed out",
    });
  });

  it("lists journeys newest first", async () => {
    // Prepare
    const base = Date.parse("2030-01-01T00:00:00Z");
    const labels = ["older", "newest", "middle"];
    const offsets = [0, 2_000, 1_000];
    for (const [index, label] of labels.entries()) {
      await startJourney({
        ...store,
        clock: () => base + offsets[index]!,
        idempotencyKey: `list-${label}`,
        metadata: { job_name: label },
      });
    }
    // Act
    const listed = await listJourneys({ ...store, clock: () => base + 3_000, limit: 3 });
    // Assess
    expect(listed.map((journey) => journey.metadata.job_name)).toEqual(["newest", "middle", "older"]);
  });

  it("keeps the last 100 steps, with totals over every step, so the item stays within DynamoDB's 400 KB", async () => {
    // Prepare
    const { journey } = await startJourney({ ...store, idempotencyKey: uniqueKey("long-run") });
    const message = "m".repeat(1_900);
    // Act: 130 steps of about 2 KB each, 260 KB in all.
    for (let i = 0; i < 130; i++)
      await recordStep({
        ...store,
        journeyId: journey.journey_id,
        runId: journey.run_id,
        step: { step: `step-${i}`, status: "succeeded", message, records_in: 10, records_out: 5, ...stepTiming(0, 2) },
      });
    // Assess
    const stored = (await getJourney({ ...store, journeyId: journey.journey_id }))!;
    expect(stored.steps).toHaveLength(MAX_KEPT_STEPS);
    expect(stored.steps[0]!.step).toBe("step-30");
    expect(stored.steps.at(-1)!.step).toBe("step-129");
    expect(stored.step_ids).toHaveLength(MAX_KEPT_STEPS);
    expect(stored.step_totals).toEqual({
      steps: 130,
      records_in: 1_300,
      records_out: 650,
      records_invalid: 0,
      duration_ms: 260,
    });
    expect(itemSize(stored as unknown as Record<string, unknown>)).toBeLessThan(dynamodb.maxItemBytes);
  });

  it("appends a retried step only once", async () => {
    // Prepare
    const { journey } = await startJourney({ ...store, idempotencyKey: uniqueKey("retried-step") });
    const step = { step: "gold", status: "succeeded" as const, records_out: 4, ...stepTiming(1_000, 2_000) };
    // Act
    await recordStep({ ...store, journeyId: journey.journey_id, step });
    const again = await recordStep({ ...store, journeyId: journey.journey_id, step });
    const distinct = await recordStep({
      ...store,
      journeyId: journey.journey_id,
      step: { ...step, ...stepTiming(3_000, 4_000) },
    });
    // Assess
    expect(again.steps).toHaveLength(1);
    expect(distinct.steps).toHaveLength(2);
  });

  it("renews the lease of the run that holds the journey, and refuses a run that lost it", async () => {
    // Prepare
    let now = Date.parse("2026-11-24T03:00:00Z");
    const clock = () => now;
    const idempotencyKey = uniqueKey("renew");
    const first = await startJourney({ ...store, clock, idempotencyKey, leaseMs: 1_000 });
    // Act
    now += 900;
    const renewed = await renewLease({
      ...store,
      clock,
      journeyId: first.journey.journey_id,
      runId: first.journey.run_id!,
      leaseMs: 1_000,
    });
    now += 900;
    const stillHeld = await startJourney({ ...store, clock, idempotencyKey }).catch((error: unknown) => error);
    now += 1_000;
    const takeover = await startJourney({ ...store, clock, idempotencyKey, leaseMs: 1_000 });
    const lost = await renewLease({
      ...store,
      clock,
      journeyId: first.journey.journey_id,
      runId: first.journey.run_id!,
    }).catch((error: unknown) => error);
    // Assess
    expect(renewed).toBe(Date.parse("2026-11-24T03:00:00Z") + 1_900);
    expect(stillHeld).toBeInstanceOf(JourneyInProgressError);
    expect(takeover.resumed).toBe(true);
    expect(lost).toBeInstanceOf(JourneyLeaseLostError);
  });

  it("keeps a longer lease the run's heartbeat took when a step renews with a shorter one", async () => {
    // Prepare: a run holding its journey for 40 minutes.
    let now = Date.parse("2026-11-24T04:00:00Z");
    const clock = () => now;
    const { journey } = await startJourney({ ...store, clock, idempotencyKey: uniqueKey("keep"), leaseMs: 2_400_000 });
    // Act: a step one minute later, with the default (15-minute) renewal, then one 30 minutes later.
    now += 60_000;
    const step = (label: string) => ({ step: label, status: "succeeded" as const, ...stepTiming(now - 10, now) });
    const early = await recordStep({
      ...store,
      clock,
      journeyId: journey.journey_id,
      runId: journey.run_id,
      step: step("a"),
    });
    now += 30 * 60_000;
    const late = await recordStep({
      ...store,
      clock,
      journeyId: journey.journey_id,
      runId: journey.run_id,
      step: step("b"),
    });
    // Assess: not shortened by the first; extended by the second.
    expect(early.lease_until).toBe(Date.parse("2026-11-24T04:00:00Z") + 2_400_000);
    expect(late.lease_until).toBe(now + 15 * 60_000);
  });
});
