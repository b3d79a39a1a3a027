import { listPending } from "@medallion/core/ledger";
import { planSilver } from "@medallion/core/silver";
import type { TestLake } from "@medallion/testing/lake";
import type { SilverLake } from "@medallion/testing/silver";
import { landBronze, reading, startSilverLake } from "@medallion/testing/silver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

describe("a silver backlog", () => {
  let lake: TestLake;
  let silver: SilverLake;
  beforeEach(async () => {
    silver = await startSilverLake();
    lake = silver.lake;
  });
  afterEach(() => silver?.close());

  it("is taken a capped plan at a time until nothing is pending and no row is lost", async () => {
    // Prepare: five pending files, one car each.
    for (let i = 0; i < 5; i++)
      await landBronze(lake, {
        name: `backlog-${i}`,
        readings: [reading({ carChassis: `CAR-${i}`, metricTimestamp: `2024-01-0${i + 1}T10:00:00Z` })],
      });

    // Act + Assess: each plan takes at most two files and says whether more remain.
    const first = await planSilver({ ...silver.options, maxFiles: 2 });
    expect(first.files).toHaveLength(2);
    expect(first.more).toBe(true);
    const rounds: number[] = [];
    for (
      let round = 0;
      round < 5 && (await listPending(lake.doc, lake.names.Ledger!, "car_telemetry")).length > 0;
      round++
    ) {
      rounds.push((await silver.consolidate({ maxFiles: 2 })).files);
    }

    // Assess
    expect(rounds).toEqual([2, 2, 1]);
    expect((await silver.rows()).map((row) => row.carChassis)).toEqual(["CAR-0", "CAR-1", "CAR-2", "CAR-3", "CAR-4"]);
    const last = await planSilver({ ...silver.options, maxFiles: 2 });
    expect(last).toMatchObject({ version: null, files: [], more: false });
  });
});
