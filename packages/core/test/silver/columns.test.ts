import { describe, expect, it } from "vitest";
import type { DatasetSpec } from "../../src/dataset/spec";
import { carTelemetry } from "../../src/datasets/car-telemetry";
import { silverColumns } from "../../src/silver/columns";
import { SilverSpecError } from "../../src/silver/errors";

describe("silverColumns", () => {
  it("flattens structs, adds derived, lineage and partition columns for car telemetry", () => {
    // Act
    const { data, partition } = silverColumns(carTelemetry);
    // Assess
    expect(data.map((c) => `${c.name}:${c.type}`)).toEqual([
      "carChassis:varchar",
      "currentMileage:double",
      "metricTimestamp:timestamp",
      "Manufacturer:varchar",
      "Model:varchar",
      "color:varchar",
      "metrics_trip_tripMileage:double",
      "metrics_trip_tripFuelLiters:double",
      "metrics_fuel_fuelAvailable:double",
      "metrics_fuel_fuelCapacity:double",
      "fuel_level_percentage:double",
      "km_per_liter:double",
      "_extra:varchar",
      "_source_key:varchar",
      "_record_index:bigint",
      "_source_line:bigint",
    ]);
    expect(partition.map((c) => `${c.name}:${c.type}`)).toEqual(["event_year:integer", "event_month:integer", "event_day:integer"]);
  });

  it("trims every string and applies the spec's cleansing rule on top", () => {
    // Act
    const { data } = silverColumns(carTelemetry);
    // Assess
    expect(data.find((c) => c.name === "Manufacturer")!.expr).toEqual({ kind: "call", fn: "title_case", args: [{ kind: "call", fn: "trim", args: [{ kind: "column", path: ["Manufacturer"] }] }] });
    expect(data.find((c) => c.name === "Model")!.expr).toEqual({ kind: "call", fn: "trim", args: [{ kind: "column", path: ["Model"] }] });
  });

  it("guards ratios against a zero or missing denominator", () => {
    // Act
    const ratio = silverColumns(carTelemetry).data.find((c) => c.name === "fuel_level_percentage")!.expr;
    // Assess
    expect(ratio).toMatchObject({ kind: "case", whens: [{ when: { kind: "binary", op: "<>", right: { kind: "literal", value: 0 } } }] });
    expect(ratio).not.toHaveProperty("otherwise");
  });

  it("rejects specs whose silver section names unknown columns or a dedup key without the partitions", () => {
    // Prepare
    const silver = carTelemetry.silver;
    const specs: DatasetSpec[] = [
      { ...carTelemetry, silver: { ...silver, cleanse: { nope: "lower" } } },
      { ...carTelemetry, silver: { ...silver, cleanse: { currentMileage: "lower" } } },
      { ...carTelemetry, silver: { ...silver, derived: [{ name: "x", kind: "ratio", numerator: "nope", denominator: "currentMileage" }] } },
      { ...carTelemetry, silver: { ...silver, dedup: { ...silver.dedup, key: ["carChassis"] } } },
      { ...carTelemetry, silver: { ...silver, partition: { ...silver.partition, from: "carChassis" } } },
      { ...carTelemetry, silver: undefined },
    ];
    // Act + Assess
    for (const spec of specs) expect(() => silverColumns(spec)).toThrow(SilverSpecError);
  });
});
