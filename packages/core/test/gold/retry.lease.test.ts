import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { carTelemetryGold } from "../../src/dataset/car-telemetry-gold";
import { QueryFailedError } from "../../src/engine/errors";
import type { SqlEngine } from "../../src/engine/port";
import { runWithRetry } from "../../src/gold/retry";
import { mergeStatement } from "../../src/gold/statements";
import { getJourney, renewRunLeases, startJourney } from "../../src/journey/index";
import { acquireLock, datasetLockName, LockLostError, readLock } from "../../src/lock/index";

const LEASE_MS = 40 * 60_000;
const merge = mergeStatement({
  table: carTelemetryGold.tables[0]!,
  silver: { database: "silver", name: "car_telemetry" },
  windows: [{ event_year: 2024, event_month: 1 }],
  database: "gold",
  partition: carTelemetry.silver.partition,
});
const commitConflict = () =>
  new QueryFailedError("Athena query q FAILED: ICEBERG_COMMIT_ERROR: Failed to commit Iceberg update", {
    reason: "ICEBERG_COMMIT_ERROR: Failed to commit Iceberg update",
  });

/** An engine whose first `times` runs lose a commit race, then succeed. */
function conflicting(times: number): SqlEngine & { calls: number } {
  const engine = {
    dialect: "athena" as const,
    calls: 0,
    async run() {
      engine.calls += 1;
      if (engine.calls <= times) throw commitConflict();
      return { columns: [], rows: [] };
    },
  };
  return engine;
}

// A MERGE's retries run on the run's leases: each renews them (as the state machine's
// RenewRunLeases does), so long backoffs never let the lease lapse under a live run, and a
// run whose lock was taken over stops instead of merging over the run that took it.
describe("retry of a gold MERGE under the run's leases", () => {
  let dynamo: TestDynamo;
  let journeyTable: string;
  let lockTable: string;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    journeyTable = dynamo.tableName("JourneyControl");
    lockTable = dynamo.tableName("Lock");
  });
  afterAll(() => dynamo.close());

  // A run holding its journey and its dataset's lock at `clock()`, both for LEASE_MS.
  async function startRun(dataset: string, clock: () => number) {
    const { journey } = await startJourney({
      doc: dynamo.doc,
      table: journeyTable,
      clock,
      idempotencyKey: `${dataset}#2024-01`,
      leaseMs: LEASE_MS,
    });
    const runId = journey.run_id!;
    await acquireLock({
      doc: dynamo.doc,
      table: lockTable,
      clock,
      name: datasetLockName(dataset),
      owner: runId,
      leaseMs: LEASE_MS,
    });
    const renew = () =>
      renewRunLeases({
        doc: dynamo.doc,
        journeyTable,
        lockTable,
        clock,
        dataset,
        journeyId: journey.journey_id,
        runId,
        leaseMs: LEASE_MS,
      });
    return { journey, renew };
  }

  it("moves the journey's and the lock's expiry forward at each retry", async () => {
    // Prepare: each backoff lasts 30 minutes, so three of them outlast the 40-minute lease.
    let now = 1_700_000_000_000;
    const clock = () => now;
    const { journey, renew } = await startRun("renewed", clock);
    const engine = conflicting(3);
    // Act
    await runWithRetry(engine, merge, {
      sleep: async () => {
        now += 30 * 60_000;
      },
      beforeRetry: renew,
    });
    // Assess: renewed after the last backoff, both leases run LEASE_MS from then.
    expect(engine.calls).toBe(4);
    const lock = await readLock({ doc: dynamo.doc, table: lockTable, name: datasetLockName("renewed") });
    expect(lock).toMatchObject({ owner: journey.run_id, expires_at: now + LEASE_MS });
    const renewed = await getJourney({ doc: dynamo.doc, table: journeyTable, clock, journeyId: journey.journey_id });
    expect(renewed?.lease_until).toBe(now + LEASE_MS);
  });

  it("stops with LockLostError when another run took the lock over during a backoff", async () => {
    // Prepare
    let now = 1_700_000_000_000;
    const clock = () => now;
    const { renew } = await startRun("taken", clock);
    const engine = conflicting(5);
    // Act: the backoff outlasts the lease, and another run takes the lapsed lock meanwhile.
    const retried = runWithRetry(engine, merge, {
      sleep: async () => {
        now += LEASE_MS + 1;
        await acquireLock({
          doc: dynamo.doc,
          table: lockTable,
          clock,
          name: datasetLockName("taken"),
          owner: "another-run",
          leaseMs: LEASE_MS,
        });
      },
      beforeRetry: renew,
    });
    // Assess: no second attempt ran; the lock stays the other run's.
    await expect(retried).rejects.toBeInstanceOf(LockLostError);
    expect(engine.calls).toBe(1);
    const lock = await readLock({ doc: dynamo.doc, table: lockTable, name: datasetLockName("taken") });
    expect(lock?.owner).toBe("another-run");
  });
});
