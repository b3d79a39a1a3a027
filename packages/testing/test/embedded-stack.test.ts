import { access, readdir } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import { carReading } from "@medallion/testing/readings";
import { describe, expect, it } from "vitest";

const leftovers = async (prefix: string): Promise<string[]> =>
  (await readdir(tmpdir())).filter((name) => name.startsWith(prefix));

describe("startEmbeddedStack", () => {
  it("lands records as NDJSON through ingestion, and its close removes the data directory, twice safely", async () => {
    // Prepare
    const lake = await startEmbeddedStack({ name: "fixture-lands" });
    try {
      // Act
      const outcome = await lake.land("car_telemetry/two.ndjson", [
        carReading("CAR1", 10, "2024-05-01T08:00:00Z"),
        carReading("CAR2", 20, "2024-05-01T09:00:00Z"),
      ]);
      // Assess
      expect(outcome.error).toBeUndefined();
      expect(outcome.result).toMatchObject({ recordsIn: 2, recordsBronze: 2, recordsQuarantined: 0 });
    } finally {
      await lake.close();
    }
    await expect(access(lake.dataDir)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(lake.close()).resolves.toBeUndefined();
  });

  it("removes its data directory when the stack fails to start half-way", async () => {
    // Prepare: the port S3 is asked to serve on is taken.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as { port: number };
    try {
      // Act + Assess
      await expect(startEmbeddedStack({ name: "fixture-fails", ports: { s3: port } })).rejects.toThrow();
      expect(await leftovers("medallion-fixture-fails-")).toEqual([]);
    } finally {
      taken.close();
    }
  });
});
