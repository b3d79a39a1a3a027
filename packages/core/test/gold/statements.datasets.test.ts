import { fileURLToPath } from "node:url";
import { athenaSyntax } from "@medallion/testing/sql";
import { describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { loadDatasetSpec } from "../../src/dataset/load";
import { shippedDatasets } from "../../src/dataset/shipped";
import type { DatasetSpec } from "../../src/dataset/spec";
import { optimizeStatement, vacuumStatement } from "../../src/gold/maintenance";
import { planGold } from "../../src/gold/plan";
import { goldSpecOf, hasGold } from "../../src/gold/spec";
import type { GoldMerge } from "../../src/gold/statements";
import { createTableStatements, mergeSourceQuery, sourceQuery } from "../../src/gold/statements";
import { windowsOf } from "../../src/gold/windows";
import { yearMonthDayPartitionOf } from "../../src/silver/columns";
import { renderAthena } from "../../src/sql/athena";

// The shipped datasets and the README's example (the datasets folder's), loaded as a user's spec is.
const example = await loadDatasetSpec(
  fileURLToPath(new URL("../../../../datasets/weather-stations.ts", import.meta.url)),
);
const specs = [...Object.values(shippedDatasets), example];
const tables = specs
  .filter(hasGold)
  .flatMap((spec) => goldSpecOf(spec).tables.map((table) => ({ spec, table, name: `${spec.name}.${table.name}` })));

describe("gold statements of every shipped and example dataset on Athena", () => {
  it("covers every gold table there is", () => {
    // Assess
    expect(tables.map(({ name }) => name)).toEqual([
      "car_telemetry.car_monthly",
      "car_telemetry.manufacturer_daily",
      "weather_stations.station_daily",
    ]);
    expect(specs.map((spec) => spec.name)).toEqual(["car_telemetry", "operations", "weather_stations"]);
  });

  it.each(tables)("parses every statement of $name with the grammar Athena uses for it", ({ spec, table }) => {
    // Prepare: two affected days a month apart, so every window filter has more than one window.
    const partition = yearMonthDayPartitionOf(spec);
    const day = (month: number, dayOfMonth: number) => ({
      [partition.year]: 2024,
      [partition.month]: month,
      [partition.day]: dayOfMonth,
    });
    const windows = windowsOf([day(1, 5), day(2, 1)], table.window, partition);
    const silver = { database: "medallion_silver", name: spec.name };
    const merge: GoldMerge = { table, silver, windows, database: "medallion_gold", partition };
    // Act: every statement the plan runs (create, check, counts, MERGE, the congregado's count
    // and sample), and the source queries on their own.
    const plan = planGold({
      spec,
      gold: { tables: [table] },
      partitions: [day(1, 5), day(2, 1)],
      silver,
      dialect: "athena",
      database: "medallion_gold",
      warehouse: "s3://gold-bucket/",
    });
    const statements = [
      ...plan.steps.map((step) => step.statement),
      { kind: "query" as const, query: sourceQuery(merge) },
      { kind: "query" as const, query: mergeSourceQuery(merge) },
    ];
    const maintenance = [
      optimizeStatement("medallion_gold", table.name),
      vacuumStatement("medallion_gold", table.name),
    ];
    // Assess
    expect(windows).toHaveLength(2);
    expect(plan.steps.map((step) => step.kind)).toEqual(["create", "check", "counts", "merge", "count", "sample"]);
    expect(plan.steps[0]!.statement).toEqual(
      createTableStatements({
        table,
        database: "medallion_gold",
        dialect: "athena",
        location: `s3://gold-bucket/medallion_gold/${table.name}/`,
      })[0],
    );
    for (const statement of statements) {
      const { sql, errors } = athenaSyntax(statement);
      expect(errors, sql).toEqual([]);
    }
    expect(maintenance.map(renderAthena)).toEqual([
      `OPTIMIZE medallion_gold.${table.name} REWRITE DATA USING BIN_PACK`,
      `VACUUM medallion_gold.${table.name}`,
    ]);
  });
});

describe("gold statements of a dataset with a renamed field", () => {
  it("read the renamed silver column under its new name on Athena, and silver's view as is on DuckDB", () => {
    // Prepare: car telemetry's chassis field renamed from an earlier name.
    const renamed: DatasetSpec = {
      ...carTelemetry,
      fields: carTelemetry.fields.map((f) => (f.name === "carChassis" ? { ...f, renamedFrom: "chassis" } : f)),
    };
    const plan = (dialect: "athena" | "duckdb") =>
      planGold({
        spec: renamed,
        partitions: [{ event_year: 2024, event_month: 1, event_day: 5 }],
        silver: { database: "medallion_silver", name: "car_telemetry" },
        dialect,
        database: "medallion_gold",
        warehouse: "s3://gold-bucket/",
      });
    // Act
    const athena = plan("athena").steps.filter((s) => ["check", "counts", "merge"].includes(s.kind));
    const duckdb = plan("duckdb").steps.filter((s) => ["check", "counts", "merge"].includes(s.kind));
    // Assess
    expect(athena).toHaveLength(6);
    for (const { statement } of athena) {
      const { sql, errors } = athenaSyntax(statement);
      expect(errors, sql).toEqual([]);
      expect(sql).toContain('coalesce("carChassis", "chassis") AS "carChassis"');
    }
    for (const { statement } of duckdb) expect(JSON.stringify(statement)).not.toContain('"chassis"');
  });
});
