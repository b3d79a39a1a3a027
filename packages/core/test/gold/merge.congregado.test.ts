import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import type { MemoryEngine } from "@medallion/testing/gold";
import { createSilver, memoryEngine, putSilver } from "@medallion/testing/gold";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getCongregado } from "../../src/congregado/index";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { carTelemetryGold } from "../../src/dataset/car-telemetry-gold";
import { mergeGold } from "../../src/gold/merge";

describe("mergeGold saves each gold table's congregado", () => {
  let dynamo: TestDynamo;
  let engine: MemoryEngine;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
  });
  afterAll(() => dynamo.close());
  beforeEach(async () => {
    engine = await memoryEngine();
    await createSilver(engine);
  });
  afterEach(() => engine.close());

  const merge = (partitions: Record<string, number>[], database: string) =>
    mergeGold({
      engine,
      spec: carTelemetry,
      gold: carTelemetryGold,
      partitions,
      database,
      silver: { database: "silver", name: "car_telemetry" },
      congregado: { doc: dynamo.doc, table: dynamo.tableName("Congregado") },
      sampleLimit: 2,
    });

  it("with the table's record count, a sample and the silver partitions it came from", async () => {
    // Prepare
    const partitions = await putSilver(engine, [
      { car: "A", at: "2024-01-05T08:00:00", mileage: 1000 },
      { car: "B", at: "2024-01-05T09:00:00", mileage: 2000 },
      { car: "C", at: "2024-02-05T09:00:00", mileage: 3000 },
    ]);
    // Act
    const summary = await merge(partitions, "gold_first");
    const saved = await getCongregado({
      doc: dynamo.doc,
      table: dynamo.tableName("Congregado"),
      id: "gold_first_car_monthly",
    });
    // Assess
    expect(summary.tables.map((t) => t.congregado)).toEqual([
      { id: "gold_first_car_monthly", status: "created", version: 1 },
      { id: "gold_first_manufacturer_daily", status: "created", version: 1 },
    ]);
    expect(saved).toMatchObject({
      record_count: 3,
      sample_size: 2,
      metadata: {
        processor_type: "gold",
        dataset: "car_telemetry",
        database: "gold_first",
        table: "car_monthly",
        key: ["car", "year", "month"],
        origins: [
          "silver.car_telemetry/event_year=2024/event_month=1",
          "silver.car_telemetry/event_year=2024/event_month=2",
        ],
      },
    });
    expect(saved!.sample_data.map((row) => (row as { car: string }).car)).toEqual(["A", "B"]);
  });

  it("as a no-op when a re-run leaves the table as it was, and as a new version when it changes", async () => {
    // Prepare
    const partitions = await putSilver(engine, [{ car: "A", at: "2024-01-05T08:00:00", mileage: 1000 }]);
    await merge(partitions, "gold_rerun");
    // Act
    const rerun = await merge(partitions, "gold_rerun");
    const changed = await merge(
      await putSilver(engine, [{ car: "A", at: "2024-01-05T18:00:00", mileage: 1100 }]),
      "gold_rerun",
    );
    // Assess
    expect(rerun.tables.map((t) => t.congregado?.status)).toEqual(["unchanged", "unchanged"]);
    expect(changed.tables.map((t) => [t.congregado?.status, t.congregado?.version])).toEqual([
      ["updated", 2],
      ["unchanged", 1],
    ]);
  });
});
