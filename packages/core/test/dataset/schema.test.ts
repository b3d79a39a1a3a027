import { describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { bronzeParquetSchema, recordPredicate, recordSchema } from "../../src/dataset/schema";
import type { Field } from "../../src/dataset/spec";

const base = { carChassis: "C1", currentMileage: 10, metricTimestamp: "2024-01-01T00:00:00Z" };

describe("recordSchema and recordPredicate", () => {
  const samples: unknown[] = [
    base,
    { ...base, currentMileage: 10.5, Manufacturer: "VW", unknown: [1] },
    { ...base, metrics: { trip: { tripMileage: 1 }, fuel: null } },
    { ...base, metrics: null, Model: null },
    { ...base, metricTimestamp: "2024-02-29T23:59:59.999+05:30" },
    { ...base, metricTimestamp: "2023-02-29T00:00:00Z" },
    { ...base, metricTimestamp: "2024-01-01" },
    { ...base, metricTimestamp: "2024-01-01T00:00:00" },
    { ...base, currentMileage: Infinity },
    { ...base, currentMileage: Number.NaN },
    { ...base, currentMileage: "10" },
    { ...base, carChassis: null },
    { carChassis: "C1", currentMileage: 1 },
    { ...base, metrics: [] },
    { ...base, metrics: { trip: "x" } },
    { ...base, metrics: { fuel: { fuelCapacity: true } } },
    { ...base, color: 3 },
  ];

  it("agree on every sample: the predicate accepts exactly what zod accepts", () => {
    // Prepare
    const schema = recordSchema(carTelemetry.fields);
    const predicate = recordPredicate(carTelemetry.fields);
    // Act
    const verdicts = samples.map((sample) => [
      schema.safeParse(sample).success,
      predicate(sample as Record<string, unknown>),
    ]);
    // Assess
    for (const [zod, fast] of verdicts) expect(fast).toBe(zod);
    expect(verdicts.filter(([zod]) => zod)).toHaveLength(5);
  });

  it("derives types from the fields: boolean fields accept only booleans", () => {
    // Prepare
    const fields: Field[] = [{ name: "on", type: "boolean", required: true }];
    // Act
    const results = [true, "true", 1].map((on) => recordSchema(fields).safeParse({ on }).success);
    // Assess
    expect(results).toEqual([true, false, false]);
  });
});

describe("bronzeParquetSchema", () => {
  it("keeps structs as optional groups with DOUBLE leaves, then the lineage columns", () => {
    // Act
    const schema = bronzeParquetSchema(carTelemetry.fields);
    // Assess
    expect(schema[0]).toEqual({ name: "root", num_children: carTelemetry.fields.length + 4 });
    const metricsAt = schema.findIndex((element) => element.name === "metrics");
    expect(schema.slice(metricsAt, metricsAt + 7)).toEqual([
      { name: "metrics", repetition_type: "OPTIONAL", num_children: 2 },
      { name: "trip", repetition_type: "OPTIONAL", num_children: 2 },
      { name: "tripMileage", repetition_type: "OPTIONAL", type: "DOUBLE" },
      { name: "tripFuelLiters", repetition_type: "OPTIONAL", type: "DOUBLE" },
      { name: "fuel", repetition_type: "OPTIONAL", num_children: 2 },
      { name: "fuelAvailable", repetition_type: "OPTIONAL", type: "DOUBLE" },
      { name: "fuelCapacity", repetition_type: "OPTIONAL", type: "DOUBLE" },
    ]);
    expect(schema.slice(-4).map((element) => element.name)).toEqual([
      "_extra",
      "_source_key",
      "_record_index",
      "_source_line",
    ]);
    expect(schema.find((element) => element.name === "metricTimestamp")).toMatchObject({
      type: "BYTE_ARRAY",
      converted_type: "UTF8",
    });
  });
});
