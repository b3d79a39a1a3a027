import { spawnSync } from "node:child_process";
import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  acquireLock,
  breakLock,
  LockHeldError,
  LockLostError,
  readLock,
  releaseLock,
  renewLock,
  thisProcess,
} from "../../src/lock/index";

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

describe("lock holders that are gone", () => {
  let dynamo: TestDynamo;
  let table: string;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    table = dynamo.tableName("Lock");
  });
  afterAll(() => dynamo.close());

  it("takes over at once a lock whose holder's process is gone, and refuses one whose holder lives", async () => {
    // Prepare: a holder on this host whose process has exited (kill -9, a crash)
    const gone = { host: thisProcess().host, pid: exitedPid() };
    await acquireLock({ doc: dynamo.doc, table, name: "dead", owner: "crashed", leaseMs: 3_600_000, holder: gone });
    await acquireLock({ doc: dynamo.doc, table, name: "alive", owner: "running", leaseMs: 3_600_000 });
    // Act + Assess: the lease has hours to run, yet the next run takes it now
    await expect(
      acquireLock({ doc: dynamo.doc, table, name: "dead", owner: "next", leaseMs: 60_000 }),
    ).resolves.toMatchObject({ owner: "next", pid: process.pid });
    // A live holder's lock is refused, and cannot be broken by hand either
    await expect(
      acquireLock({ doc: dynamo.doc, table, name: "alive", owner: "other", leaseMs: 60_000, holder: gone }),
    ).rejects.toBeInstanceOf(LockHeldError);
    await expect(breakLock({ doc: dynamo.doc, table, name: "alive" })).rejects.toThrow(/still running/);
  });

  it("breaks the lock of a gone holder, and renews a lease only for its owner", async () => {
    // Prepare
    const gone = { host: thisProcess().host, pid: exitedPid() };
    await acquireLock({ doc: dynamo.doc, table, name: "stuck", owner: "crashed", leaseMs: 3_600_000, holder: gone });
    // Act
    const broken = await breakLock({ doc: dynamo.doc, table, name: "stuck" });
    // Assess
    expect(broken).toMatchObject({ owner: "crashed" });
    expect(await readLock({ doc: dynamo.doc, table, name: "stuck" })).toBeUndefined();
    let now = 1_000;
    await acquireLock({ doc: dynamo.doc, table, clock: () => now, name: "beat", owner: "a", leaseMs: 1_000 });
    now = 1_500;
    expect(
      await renewLock({ doc: dynamo.doc, table, clock: () => now, name: "beat", owner: "a", leaseMs: 1_000 }),
    ).toBe(2_500);
    await expect(
      renewLock({ doc: dynamo.doc, table, clock: () => now, name: "beat", owner: "b", leaseMs: 1_000 }),
    ).rejects.toBeInstanceOf(LockLostError);
  });
});

// The pid of a process that ran and exited: no process has it (until the system reuses it).
function exitedPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.pid"]);
  return child.pid ?? 999_999;
}
