import { loadSilverPlan } from "@medallion/core/silver";
import { silverHandlers } from "@medallion/functions/silver";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { landBronze, reading } from "@medallion/testing/silver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localSilverDependencies } from "../../src/engine/silver";
import { lambdaContext } from "../../src/lambda-context";

describe("localSilverDependencies", () => {
  let lake: TestLake;
  let deps: Awaited<ReturnType<typeof localSilverDependencies>>;
  beforeAll(async () => {
    lake = await startTestLake();
    deps = await localSilverDependencies({ services: lake.services, dataDir: lake.dataDir });
  });
  afterAll(async () => {
    deps.close();
    await lake.close();
  });

  // As the pipeline runs them: plan → the engine runs the plan's statements → commit → finish.
  async function consolidate(handlers: ReturnType<typeof silverHandlers>) {
    const plan = await handlers.plan({ dataset: "car_telemetry" }, lambdaContext("silver-plan"));
    const stored = await loadSilverPlan({ s3: deps.s3, bucket: deps.buckets.silver, key: plan.plan_key });
    const queries = [];
    for (const statement of stored.statements)
      queries.push({ Written: { Rows: (await deps.engine.run(statement)).rowsWritten ?? 0 } });
    const summary = await handlers.commit({ plan, queries }, lambdaContext("silver-commit"));
    await handlers.finish(plan, lambdaContext("silver-finish"));
    return summary;
  }

  it("runs the unchanged silver handlers on DuckDB: plan, statements, commit, finish", async () => {
    // Prepare
    const handlers = silverHandlers(() => deps);
    await landBronze(lake, { name: "a", readings: [reading({ currentMileage: 10 }), reading({ currentMileage: 20 })] });
    // Act
    const summary = await consolidate(handlers);
    // Assess
    expect(summary).toMatchObject({ files: 1, partitionsRewritten: 1, rowsIn: 2, rowsOut: 1, duplicatesRemoved: 1 });
    const { rows } = await deps.engine.sql("SELECT currentMileage FROM silver.car_telemetry");
    expect(rows).toEqual([{ currentMileage: 20 }]);
  });

  it("consolidates what is pending, and a second run has nothing to do", async () => {
    // Prepare
    const handlers = silverHandlers(() => deps);
    await landBronze(lake, { name: "b", readings: [reading({ currentMileage: 30 })] });
    // Act
    const first = await consolidate(handlers);
    const second = await consolidate(handlers);
    // Assess
    expect(first).toMatchObject({ files: 1, partitionsRewritten: 1, rowsOut: 1 });
    expect(second).toMatchObject({ version: null, files: 0 });
  });
});
