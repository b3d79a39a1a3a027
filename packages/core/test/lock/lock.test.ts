import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLock, LockHeldError, releaseLock } from "../../src/lock/index";

describe("dataset lock", () => {
  let dynamo: TestDynamo;
  let table: string;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    table = dynamo.tableName("Lock");
  });
  afterAll(() => dynamo.close());

  it("lets exactly one of many concurrent owners take a lock, and names the holder to the others", async () => {
    // Act
    const attempts = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        acquireLock({ doc: dynamo.doc, table, name: "race", owner: `run-${i}`, leaseMs: 60_000 }),
      ),
    );
    // Assess
    const won = attempts.filter((a) => a.status === "fulfilled");
    expect(won).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<{ owner: string }>).value.owner;
    for (const lost of attempts.filter((a) => a.status === "rejected")) {
      expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(LockHeldError);
      expect((lost as PromiseRejectedResult).reason.message).toContain(`held by ${winner}`);
    }
  });

  it("is re-entrant for its owner, taken over after its lease expires, and released only by its owner", async () => {
    // Prepare
    let now = 1_000_000;
    const clock = () => now;
    await acquireLock({ doc: dynamo.doc, table, clock, name: "lease", owner: "a", leaseMs: 1_000 });
    // Act + Assess: the owner's retried step gets it again; another owner is refused while the lease runs.
    await expect(
      acquireLock({ doc: dynamo.doc, table, clock, name: "lease", owner: "a", leaseMs: 1_000 }),
    ).resolves.toMatchObject({ owner: "a" });
    await expect(
      acquireLock({ doc: dynamo.doc, table, clock, name: "lease", owner: "b", leaseMs: 1_000 }),
    ).rejects.toBeInstanceOf(LockHeldError);
    // A crashed holder: past the lease, b takes over; a can no longer release it.
    now += 5_000;
    await expect(
      acquireLock({ doc: dynamo.doc, table, clock, name: "lease", owner: "b", leaseMs: 1_000 }),
    ).resolves.toMatchObject({ owner: "b" });
    expect(await releaseLock({ doc: dynamo.doc, table, name: "lease", owner: "a" })).toBe(false);
    expect(await releaseLock({ doc: dynamo.doc, table, name: "lease", owner: "b" })).toBe(true);
    await expect(
      acquireLock({ doc: dynamo.doc, table, clock, name: "lease", owner: "c", leaseMs: 1_000 }),
    ).resolves.toMatchObject({ owner: "c" });
  });
});
