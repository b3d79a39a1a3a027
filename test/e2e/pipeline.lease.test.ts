import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { SqlEngine } from "@medallion/core/engine";
import { getJourney, journeyIdFor } from "@medallion/core/journey";
import { listPending } from "@medallion/core/ledger";
import { datasetLockName, readLock } from "@medallion/core/lock";
import { selectColumns } from "@medallion/core/sql";
import { executePipeline } from "@medallion/local/pipeline";
import type { LocalStack } from "@medallion/local/stack";
import { runLeaseSeconds } from "@medallion/stacks/pipeline";
import type { EmbeddedStack } from "@medallion/testing/embedded-stack";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import { carReading, windowOfHour as windowOf } from "@medallion/testing/readings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Leases that follow life: a run renews its dataset lock and journey as it goes (the same ASL
// as on AWS, on the embedded stack), a lock whose lease lapsed is taken over, and a run whose
// lock was taken over stops before it writes more.
describe("pipeline leases on the embedded stack", () => {
  const dataset = "car_telemetry";
  let lake: EmbeddedStack;
  let stack: LocalStack;
  let doc: DynamoDBDocumentClient;
  beforeAll(async () => {
    lake = await startEmbeddedStack({ name: "lease" });
    ({ stack, doc } = lake);
  });
  afterAll(() => lake?.close());

  const lockTable = () => ({ doc, table: stack.names.Lock!, name: datasetLockName(dataset) });
  async function drop(key: string, car: string, mileage: number, time: string): Promise<void> {
    expect((await lake.land(`${dataset}/${key}`, [carReading(car, mileage, time)])).error).toBeUndefined();
  }
  // The journey id is deterministic from the window's idempotency key.
  const journeyIdOf = (window: { from: string; to: string }) =>
    journeyIdFor(`${dataset}#${new Date(window.from).toISOString()}/${new Date(window.to).toISOString()}`);
  const silverCars = async () =>
    (
      await stack.pipeline.engine.run(
        selectColumns({ database: "silver", name: dataset }, ["carChassis"], { orderBy: ["carChassis"] }),
      )
    ).rows.map((row) => String(row.carChassis));

  it("renews its lock and journey during the run: both expiries move forward, a lease ahead of now", async () => {
    // Prepare: new data, and an engine that reads both leases as each statement starts.
    await drop("a.ndjson", "CAR1", 100, "2024-05-01T08:00:00Z");
    const window = windowOf(10);
    const journeyId = journeyIdOf(window);
    const engine = stack.pipeline.engine;
    const seen: { at: number; lock: number; journey: number }[] = [];
    const watching: SqlEngine = {
      dialect: engine.dialect,
      run: async (statement) => {
        const lock = await readLock(lockTable());
        const journey = await getJourney({ doc, table: stack.names.JourneyControl!, journeyId });
        seen.push({ at: Date.now(), lock: lock?.expires_at ?? 0, journey: journey?.lease_until ?? 0 });
        return engine.run(statement);
      },
    };

    // Act
    const run = await executePipeline({
      handlers: { ...stack.pipeline, engine: watching },
      input: { dataset, window },
    });

    // Assess: every statement ran under both leases, each ending within one lease of now, and
    // later statements under later expiries (renewed, not taken once for the whole run).
    expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
    expect(run.journeyId).toBe(journeyId);
    expect(seen.length).toBeGreaterThan(2);
    const renewals = run.states.filter((s) => s.event === "succeeded" && s.state.startsWith("Renew"));
    expect(renewals.length).toBeGreaterThanOrEqual(seen.length);
    for (const { at, lock, journey } of seen) {
      expect(lock).toBeGreaterThan(at);
      expect(lock).toBeLessThanOrEqual(at + runLeaseSeconds * 1000);
      expect(journey).toBeGreaterThan(at);
      expect(journey).toBeLessThanOrEqual(at + runLeaseSeconds * 1000);
    }
    expect(seen.at(-1)!.lock).toBeGreaterThan(seen[0]!.lock);
    expect(seen.at(-1)!.journey).toBeGreaterThan(seen[0]!.journey);
    // The run released its lock on the way out.
    expect(await readLock(lockTable())).toBeUndefined();
  });

  it("takes over a lock whose holder stopped renewing once its lease lapsed", async () => {
    // Prepare: a lock left by a run on another machine (a crashed execution on AWS), lapsed.
    await drop("b.ndjson", "CAR2", 200, "2024-05-01T09:00:00Z");
    await doc.send(
      new PutCommand({
        TableName: stack.names.Lock!,
        Item: {
          name: datasetLockName(dataset),
          owner: "crashed-run",
          expires_at: Date.now() - 1_000,
          ttl: Math.ceil(Date.now() / 1000) + 86_400,
          host: "another-machine",
          pid: 1,
        },
      }),
    );

    // Act
    const run = await stack.execute({ dataset, window: windowOf(11) });

    // Assess: taken at the first attempt, the run went through, and released it.
    expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
    expect(run.states.some((s) => s.state === "AcquireDatasetLock" && s.event === "retried")).toBe(false);
    expect(await silverCars()).toContain("CAR2");
    expect(await readLock(lockTable())).toBeUndefined();
  });

  it("stops a run whose lock another run took over with LockLostError, before it commits silver", async () => {
    // Prepare: new data, and an engine that, as the first silver statement runs, lets another
    // run take the lock (as one would once this run's lease had lapsed).
    await drop("c.ndjson", "CAR3", 300, "2024-05-01T10:00:00Z");
    const before = await silverCars();
    const engine = stack.pipeline.engine;
    let stolen = false;
    const usurped: SqlEngine = {
      dialect: engine.dialect,
      run: async (statement) => {
        if (!stolen) {
          stolen = true;
          const now = Date.now();
          await doc.send(
            new PutCommand({
              TableName: stack.names.Lock!,
              Item: {
                name: datasetLockName(dataset),
                owner: "usurper",
                expires_at: now + 60_000,
                ttl: Math.ceil(now / 1000) + 86_400,
                host: "another-machine",
                pid: 1,
              },
            }),
          );
        }
        return engine.run(statement);
      },
    };

    // Act
    const window = windowOf(12);
    const run = await executePipeline({ handlers: { ...stack.pipeline, engine: usurped }, input: { dataset, window } });

    // Assess: failed at the next heartbeat; silver untouched and the file still pending; the
    // journey failed naming the lost lock; the other run's lock left alone.
    expect(run.status).toBe("FAILED");
    expect(run.states.map((s) => s.state)).not.toContain("CommitSilver");
    const journey = await getJourney({ doc, table: stack.names.JourneyControl!, journeyId: journeyIdOf(window) });
    expect(journey?.status).toBe("failed");
    expect(JSON.stringify(journey?.error)).toContain("LockLostError");
    expect(await silverCars()).toEqual(before);
    expect((await listPending(doc, stack.names.Ledger!, dataset)).map((e) => e.source_key)).toContain(
      `${dataset}/c.ndjson`,
    );
    expect(await readLock(lockTable())).toMatchObject({ owner: "usurper" });
  });
});
