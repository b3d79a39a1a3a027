import { describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { bronzeParquetSchema } from "../../src/dataset/schema";
import type { Field } from "../../src/dataset/spec";

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

describe("bronzeParquetSchema for lists and integers", () => {
  it("writes integers as INT64 and lists in Parquet's three levels, structs inside them as groups", () => {
    // Prepare
    const fields: Field[] = [
      { name: "id", type: "integer" },
      { name: "coords", type: "list", items: { type: "double" } },
      { name: "cast", type: "list", items: { type: "struct", fields: [{ name: "born", type: "date" }] } },
    ];
    // Act
    const schema = bronzeParquetSchema(fields);
    // Assess
    expect(schema.slice(1, 9)).toEqual([
      { name: "id", repetition_type: "OPTIONAL", type: "INT64" },
      { name: "coords", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", repetition_type: "OPTIONAL", type: "DOUBLE" },
      { name: "cast", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", repetition_type: "OPTIONAL", num_children: 1 },
      { name: "born", repetition_type: "OPTIONAL", type: "BYTE_ARRAY", converted_type: "UTF8" },
    ]);
  });
});
