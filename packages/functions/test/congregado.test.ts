import { getCongregado } from "@medallion/core/congregado";
import { getJourney } from "@medallion/core/journey";
import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { lambdaContext } from "@medallion/testing/lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("congregado handlers", () => {
  let dynamo: TestDynamo;
  let congregado: typeof import("../src/congregado");
  let journey: typeof import("../src/journey");
  beforeAll(async () => {
    dynamo = await startTestDynamo({ applyEnv: true });
    congregado = await import("../src/congregado");
    journey = await import("../src/journey");
  });
  afterAll(() => dynamo.close());

  const tables = () => ({
    doc: dynamo.doc,
    congregado: dynamo.tableName("Congregado"),
    journeys: dynamo.tableName("JourneyControl"),
  });

  it("saves an aggregate under {database}_{table}, once per content, and records the step on the journey", async () => {
    // Prepare
    const started = await journey.start({ idempotency_key: "congregado#run" }, lambdaContext("journey-start"));
    const event = {
      database: "gold",
      table: "daily_fuel",
      data: [{ car_id: "CAR1", day: "2026-11-23", km_per_litre: 14.2 }],
      metadata: { processor_type: "gold-merge", origins: ["silver.car_telemetry"] },
      journey_id: started.journey_id,
      run_id: started.run_id ?? undefined,
      dataset: "car-telemetry",
    };
    // Act
    const first = await congregado.handler(event, lambdaContext("congregado"));
    const second = await congregado.handler(event, lambdaContext("congregado"));
    // Assess
    expect(first).toMatchObject({ id: "gold_daily_fuel", status: "created", version: 1 });
    expect(second).toMatchObject({ id: "gold_daily_fuel", status: "unchanged", version: 1 });
    const stored = await getCongregado({ doc: tables().doc, table: tables().congregado, id: "gold_daily_fuel" });
    expect(stored?.metadata).toEqual({
      database: "gold",
      table: "daily_fuel",
      processor_type: "gold-merge",
      origins: ["silver.car_telemetry"],
    });
    const run = await getJourney({ doc: tables().doc, table: tables().journeys, journeyId: started.journey_id });
    expect(run?.steps.map((step) => [step.step, step.status, step.layer, step.dataset])).toEqual([
      ["congregado", "succeeded", "gold", "car-telemetry"],
      ["congregado", "skipped", "gold", "car-telemetry"],
    ]);
  });

  it("saves a batch and fails the task, naming the items that could not be saved", async () => {
    // Prepare
    const items = [
      { database: "gold", table: "ok_one", data: [{ n: 1 }] },
      { database: "gold", table: "too_big", data: [{ n: 2 }], metadata: { notes: "x".repeat(450_000) } },
      { database: "gold", table: "ok_two", data: [{ n: 3 }] },
    ];
    // Act
    const error = await congregado
      .batch({ items }, lambdaContext("congregado-batch"))
      .catch((caught: unknown) => caught);
    // Assess
    expect(error).toMatchObject({ name: "CongregadoBatchError", failedIds: ["gold_too_big"] });
    expect(await getCongregado({ doc: tables().doc, table: tables().congregado, id: "gold_ok_two" })).toMatchObject({
      version: 1,
    });
  });

  it("returns every saved item of a fully successful batch", async () => {
    // Prepare
    const items = [
      { database: "gold", table: "b1", data: [{ n: 1 }] },
      { database: "gold", table: "b2", data: [{ n: 2 }] },
    ];
    // Act
    const result = await congregado.batch({ items }, lambdaContext("congregado-batch"));
    // Assess
    expect(result.saved.map((saved) => `${saved.id}:${saved.status}`)).toEqual(["gold_b1:created", "gold_b2:created"]);
  });
});
