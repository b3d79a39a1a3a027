import { fileURLToPath } from "node:url";
import { athenaSyntax } from "@medallion/testing/sql";
import { describe, expect, it } from "vitest";
import { loadDatasetSpec } from "../../src/dataset/load";
import { shippedDatasets } from "../../src/dataset/shipped";
import { optimizeStatement, vacuumStatement } from "../../src/gold/maintenance";
import { goldSpecOf, hasGold } from "../../src/gold/spec";
import type { GoldMerge } from "../../src/gold/statements";
import {
  createTableStatements,
  duplicateKeysStatement,
  mergeCountsStatement,
  mergeSourceQuery,
  mergeStatement,
  readTableStatement,
  sourceQuery,
} from "../../src/gold/statements";
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
    // Act
    const statements = [
      ...createTableStatements({
        table,
        database: "medallion_gold",
        dialect: "athena",
        location: `s3://gold-bucket/medallion_gold/${table.name}/`,
      }),
      { kind: "query" as const, query: sourceQuery(merge) },
      duplicateKeysStatement(merge),
      { kind: "query" as const, query: mergeSourceQuery(merge) },
      mergeCountsStatement(merge),
      mergeStatement(merge),
      readTableStatement({ table, database: "medallion_gold" }),
    ];
    const maintenance = [
      optimizeStatement("medallion_gold", table.name),
      vacuumStatement("medallion_gold", table.name),
    ];
    // Assess
    expect(windows).toHaveLength(2);
    expect(statements.map((s) => s.kind)).toEqual([
      "createTable",
      "query",
      "query",
      "query",
      "query",
      "merge",
      "query",
    ]);
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
