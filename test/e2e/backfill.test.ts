import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { medallion } from "@medallion/testing/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("medallion backfill", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "medallion-backfill-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("runs one execution per day, and a second backfill of the same days is a no-op", async () => {
    // Prepare: bronze data, consolidated by the run's own execution.
    const run = await medallion(["run", "--sample", "--json", "--data-dir", dataDir]);
    expect(run.code, run.stderr).toBe(0);

    // Act
    const first = await medallion([
      "backfill",
      "--dataset",
      "car_telemetry",
      "--from",
      "2024-05-01",
      "--to",
      "2024-05-03",
      "--json",
      "--data-dir",
      dataDir,
    ]);
    const second = await medallion([
      "backfill",
      "--dataset",
      "car_telemetry",
      "--from",
      "2024-05-01",
      "--to",
      "2024-05-03",
      "--json",
      "--data-dir",
      dataDir,
    ]);

    // Assess
    expect(first.code, first.stderr).toBe(0);
    const { days, error } = JSON.parse(first.stdout) as {
      days: { from: string; pipeline: { status: string; alreadyCompleted: boolean; journeyId: string } }[];
      error: unknown;
    };
    expect(error).toBeNull();
    expect(days.map((d) => d.from)).toEqual([
      "2024-05-01T00:00:00.000Z",
      "2024-05-02T00:00:00.000Z",
      "2024-05-03T00:00:00.000Z",
    ]);
    expect(days.every((d) => d.pipeline.status === "SUCCEEDED" && !d.pipeline.alreadyCompleted)).toBe(true);
    expect(new Set(days.map((d) => d.pipeline.journeyId)).size).toBe(3);
    const again = JSON.parse(second.stdout) as { days: { pipeline: { alreadyCompleted: boolean } }[] };
    expect(again.days.map((d) => d.pipeline.alreadyCompleted)).toEqual([true, true, true]);
    expect(first.stderr).toContain("[3/3] 2024-05-03: SUCCEEDED");
  });

  it("refuses an inverted range with a clear message, as a usage error (exit code 2)", async () => {
    const bad = await medallion(["backfill", "--from", "2024-05-03", "--to", "2024-05-01", "--data-dir", dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--from 2024-05-03 is after --to 2024-05-01");
  });
});
