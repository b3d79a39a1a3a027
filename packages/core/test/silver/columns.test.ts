import { describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { operations } from "../../src/dataset/operations";
import { readFields } from "../../src/dataset/schema";
import type { DatasetSpec } from "../../src/dataset/spec";
import { catalogColumns, silverColumns, yearMonthDayPartitionOf } from "../../src/silver/columns";
import { SilverSpecError } from "../../src/silver/errors";
import { call, cast, column } from "../../src/sql/ast";

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
    expect(partition.map((c) => `${c.name}:${c.type}`)).toEqual([
      "event_year:integer",
      "event_month:integer",
      "event_day:integer",
    ]);
  });

  it("reads a renamed field, and the fields of a renamed struct, under their earlier names too", () => {
    // Prepare
    const spec: DatasetSpec = {
      name: "renamed",
      landingPrefix: "renamed/",
      fields: [
        { name: "at", type: "timestamp", required: true },
        { name: "hub", type: "string", renamedFrom: "depot" },
        { name: "size", type: "struct", renamedFrom: "dims", fields: [{ name: "cm", type: "double" }] },
      ],
      silver: {
        partition: { from: "at", yyyymmdd: "day" },
        dedup: { key: ["hub", "day"], order: [] },
        retentionDays: 1,
      },
    };
    // Act
    const { data } = silverColumns(spec);
    // Assess
    const [, hub, cm] = data;
    expect(hub).toMatchObject({
      name: "hub",
      renamedFrom: ["depot"],
      expr: call("coalesce", call("trim", column("hub")), call("trim", column("depot"))),
    });
    expect(cm).toMatchObject({
      name: "size_cm",
      renamedFrom: ["dims_cm"],
      expr: call("coalesce", cast(column("size", "cm"), "double"), cast(column("dims", "cm"), "double")),
    });
    expect(catalogColumns(data).slice(-2)).toEqual([
      { name: "depot", type: "varchar" },
      { name: "dims_cm", type: "double" },
    ]);
  });

  it("reads a field renamed twice under every earlier name, newest first: coalesce(c, b, a)", () => {
    // Prepare: a → b → c, and a struct renamed twice.
    const spec: DatasetSpec = {
      name: "renamed_twice",
      landingPrefix: "renamed_twice/",
      fields: [
        { name: "at", type: "timestamp", required: true },
        { name: "c", type: "string", renamedFrom: ["b", "a"] },
        { name: "size", type: "struct", renamedFrom: ["dims", "box"], fields: [{ name: "cm", type: "double" }] },
      ],
      silver: {
        partition: { from: "at", yyyymmdd: "day" },
        dedup: { key: ["c", "day"], order: [] },
        retentionDays: 1,
      },
    };
    // Act
    const { data } = silverColumns(spec);
    // Assess
    const [, c, cm] = data;
    expect(c).toMatchObject({
      name: "c",
      renamedFrom: ["b", "a"],
      expr: call("coalesce", call("trim", column("c")), call("trim", column("b")), call("trim", column("a"))),
    });
    expect(cm).toMatchObject({ name: "size_cm", renamedFrom: ["dims_cm", "box_cm"] });
    expect(catalogColumns(data).slice(-4)).toEqual([
      { name: "b", type: "varchar" },
      { name: "a", type: "varchar" },
      { name: "dims_cm", type: "double" },
      { name: "box_cm", type: "double" },
    ]);
    expect(readFields(spec.fields).map((f) => f.name)).toEqual(["at", "c", "b", "a", "size", "dims", "box"]);
  });

  it("trims every string and applies the spec's cleansing rule on top", () => {
    // Act
    const { data } = silverColumns(carTelemetry);
    // Assess
    expect(data.find((c) => c.name === "Manufacturer")!.expr).toEqual({
      kind: "call",
      fn: "title_case",
      args: [{ kind: "call", fn: "trim", args: [{ kind: "column", path: ["Manufacturer"] }] }],
    });
    expect(data.find((c) => c.name === "Model")!.expr).toEqual({
      kind: "call",
      fn: "trim",
      args: [{ kind: "column", path: ["Model"] }],
    });
  });

  it("guards ratios against a zero or missing denominator", () => {
    // Act
    const ratio = silverColumns(carTelemetry).data.find((c) => c.name === "fuel_level_percentage")!.expr;
    // Assess
    expect(ratio).toMatchObject({
      kind: "case",
      whens: [{ when: { kind: "binary", op: "<>", right: { kind: "literal", value: 0 } } }],
    });
    expect(ratio).not.toHaveProperty("otherwise");
  });

  it("rejects specs whose silver section names unknown columns or a dedup key without the partitions", () => {
    // Prepare
    const silver = carTelemetry.silver;
    const specs: DatasetSpec[] = [
      { ...carTelemetry, silver: { ...silver, cleanse: { nope: "lower" } } },
      { ...carTelemetry, silver: { ...silver, cleanse: { currentMileage: "lower" } } },
      {
        ...carTelemetry,
        silver: {
          ...silver,
          derived: [{ name: "x", kind: "ratio", numerator: "nope", denominator: "currentMileage" }],
        },
      },
      { ...carTelemetry, silver: { ...silver, dedup: { ...silver.dedup, key: ["carChassis"] } } },
      { ...carTelemetry, silver: { ...silver, partition: { ...silver.partition, from: "carChassis" } } },
      { ...carTelemetry, silver: undefined },
    ];
    // Act + Assess
    for (const spec of specs) expect(() => silverColumns(spec)).toThrow(SilverSpecError);
  });

  it("gives operations an origin column in place of its field, and one anomesdia partition", () => {
    // Act
    const { data, partition } = silverColumns(operations);
    // Assess
    expect(data.map((c) => c.name).slice(0, 4)).toEqual([
      "num_oper",
      "cod_idef_ver_oper",
      "origem",
      "num_prio_even_oper",
    ]);
    expect(data.filter((c) => c.name === "origem")).toHaveLength(1);
    expect(data.find((c) => c.name === "origem")).toMatchObject({ type: "varchar", expr: { kind: "case" } });
    expect(partition.map((c) => `${c.name}:${c.type}`)).toEqual(["anomesdia:integer"]);
  });

  it("prefers the record's stated origin, then the landing-key rules in order", () => {
    // Act
    const origin = silverColumns(operations).data.find((c) => c.name === "origem")!.expr;
    // Assess
    if (origin.kind !== "case") throw new Error("origin is not a CASE");
    expect(origin.whens.map((w) => w.then)).toEqual([
      { kind: "call", fn: "lower", args: [{ kind: "call", fn: "trim", args: [{ kind: "column", path: ["origem"] }] }] },
      { kind: "literal", value: "online" },
      { kind: "literal", value: "batch" },
    ]);
    expect(origin).not.toHaveProperty("otherwise");
  });

  it("rejects origin columns with an unknown or non-string field, an empty prefix, or nothing to go by", () => {
    // Prepare
    const silver = operations.silver;
    const origin = (d: Record<string, unknown>): DatasetSpec => ({
      ...operations,
      silver: { ...silver, derived: [{ name: "source", kind: "origin", rules: [], ...d }] },
    });
    const specs: DatasetSpec[] = [
      origin({ field: "nope", rules: [{ prefix: "operations/online/", value: "online" }] }),
      origin({ field: "vlr_oper" }),
      origin({ rules: [{ prefix: "", value: "online" }] }),
      origin({}),
      // A derived column may not silently replace a field unless it refines that very field.
      origin({ name: "cod_moed", rules: [{ prefix: "operations/online/", value: "online" }] }),
      { ...operations, silver: { ...silver, dedup: { ...silver.dedup, key: ["num_oper", "cod_idef_ver_oper"] } } },
    ];
    // Act + Assess
    for (const spec of specs)
      expect(() => silverColumns(spec), JSON.stringify(spec.silver?.derived)).toThrow(SilverSpecError);
  });

  it("gives the year/month/day partition of car telemetry, and a clear error for anomesdia", () => {
    // Act + Assess
    expect(yearMonthDayPartitionOf(carTelemetry)).toEqual({
      from: "metricTimestamp",
      year: "event_year",
      month: "event_month",
      day: "event_day",
    });
    expect(() => yearMonthDayPartitionOf(operations)).toThrow(/operations: silver is partitioned by anomesdia/);
  });
});
