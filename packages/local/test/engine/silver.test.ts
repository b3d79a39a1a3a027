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

  it("runs the unchanged silver handlers on DuckDB: plan, execute, commit", async () => {
    // Prepare
    const handlers = silverHandlers(() => deps);
    await landBronze(lake, { name: "a", readings: [reading({ currentMileage: 10 }), reading({ currentMileage: 20 })] });
    // Act
    const plan = await handlers.plan({ dataset: "car_telemetry" }, lambdaContext("silver-plan"));
    await handlers.execute(plan, lambdaContext("silver-execute"));
    const summary = await handlers.commit(plan, lambdaContext("silver-commit"));
    // Assess
    expect(summary).toMatchObject({ files: 1, partitionsRewritten: 1, rowsIn: 2, rowsOut: 1, duplicatesRemoved: 1 });
    const { rows } = await deps.engine.sql("SELECT currentMileage FROM silver.car_telemetry");
    expect(rows).toEqual([{ currentMileage: 20 }]);
  });

  it("consolidates in one call, and a second call has nothing to do", async () => {
    // Prepare
    const handlers = silverHandlers(() => deps);
    await landBronze(lake, { name: "b", readings: [reading({ currentMileage: 30 })] });
    // Act
    const first = await handlers.consolidate({ dataset: "car_telemetry" }, lambdaContext("silver-consolidate"));
    const second = await handlers.consolidate({ dataset: "car_telemetry" }, lambdaContext("silver-consolidate"));
    // Assess
    expect(first).toMatchObject({ files: 1, partitionsRewritten: 1, rowsOut: 1 });
    expect(second).toMatchObject({ version: null, files: 0 });
  });
});
