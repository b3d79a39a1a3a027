import { describe, expect, it } from "vitest";
import { carMonthly, manufacturerDaily } from "../../src/dataset/car-telemetry-gold";
import { goldColumns, valueColumns } from "../../src/gold/columns";
import { GoldSpecError } from "../../src/gold/errors";
import type { GoldTable } from "../../src/gold/spec";

describe("gold columns", () => {
  it("lists dimensions then aggregates, with counts as bigint and the rest double", () => {
    // Act
    const columns = goldColumns(carMonthly);
    // Assess
    expect(columns.slice(0, 5)).toEqual([
      { name: "car", type: "varchar" },
      { name: "year", type: "integer" },
      { name: "month", type: "integer" },
      { name: "days_reported", type: "bigint" },
      { name: "first_mileage", type: "double" },
    ]);
    expect(goldColumns(manufacturerDaily).find((c) => c.name === "date")).toEqual({ name: "date", type: "date" });
  });

  it("updates every column but the key", () => {
    // Act
    const values = valueColumns(manufacturerDaily).map((c) => c.name);
    // Assess
    expect(values).toEqual([
      "year",
      "month",
      "cars_reporting",
      "trip_distance_km",
      "trip_fuel_liters",
      "km_per_liter",
      "avg_fuel_level_percentage",
    ]);
  });

  it.each<[string, Partial<GoldTable>, RegExp]>([
    ["an empty key", { key: [] }, /merge key is empty/],
    ["a key that is not a dimension", { key: ["vin"] }, /merge key vin is not a dimension/],
    ["a partition column that is not a dimension", { partitionBy: ["day"] }, /partition column day/],
    ["no aggregates", { aggregates: [] }, /has no aggregates/],
    ["a column defined twice", { aggregates: [{ name: "car", kind: "count" }] }, /column car is defined twice/],
    [
      "a ratio of an unknown aggregate",
      { aggregates: [{ name: "r", kind: "ratio", numerator: "x", denominator: "y" }] },
      /ratio r names x/,
    ],
    ["an invalid table name", { name: "Car Monthly" }, /name must match/],
  ])("rejects %s, naming the table", (_, change, message) => {
    // Act
    const columns = () => goldColumns({ ...carMonthly, ...change });
    // Assess
    expect(columns).toThrow(GoldSpecError);
    expect(columns).toThrow(message);
  });
});
