import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDynamo } from "../../src/services/dynamodb";

describe("startDynamo", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "medallion-dynamo-"));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it("has its store open before it serves: a second store on the same directory fails to start", async () => {
    // Prepare
    const first = await startDynamo(dataDir);
    try {
      // Act
      const second = startDynamo(dataDir);
      // Assess: LevelDB's lock refuses it at start, not later inside a request
      await expect(second).rejects.toThrow(/lock|LOCK|open/);
    } finally {
      await first.close();
    }
    // A store closed cleanly can be opened again.
    const again = await startDynamo(dataDir);
    await again.close();
  });

  it("waits for a lock its last holder is about to release", async () => {
    // Prepare: the directory's store open elsewhere, closed a moment after the next start begins
    const holder = await startDynamo(dataDir);
    // Act
    const next = startDynamo(dataDir);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await holder.close();
    // Assess: the start waited for the lock and serves
    const started = await next;
    expect(started.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await started.close();
  });
});
