import type { MemoryEngine } from "@medallion/testing/gold";
import { createSilver, memoryEngine } from "@medallion/testing/gold";
import { athenaSyntax } from "@medallion/testing/sql";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { carMonthly, manufacturerDaily } from "../../src/dataset/car-telemetry-gold";
import type { GoldTable } from "../../src/gold/spec";
import type { GoldMerge, GoldSource } from "../../src/gold/statements";
import {
  createTableStatements,
  duplicateKeysStatement,
  mergeCountsStatement,
  mergeSourceQuery,
  mergeStatement,
  sourceQuery,
} from "../../src/gold/statements";
import type { Query, Statement } from "../../src/sql/ast";
import { renderAthena } from "../../src/sql/athena";

const query = (q: Query): Statement => ({ kind: "query", query: q });
const silver = { database: "medallion_silver", name: "car_telemetry" };
const partition = carTelemetry.silver.partition;
const months = [
  { event_year: 2024, event_month: 1 },
  { event_year: 2024, event_month: 2 },
];
const days = [
  { event_year: 2024, event_month: 1, event_day: 5 },
  { event_year: 2024, event_month: 2, event_day: 1 },
];
const athena = (table: GoldTable = carMonthly): GoldSource => ({
  table,
  silver,
  windows: table.window === "month" ? months : days,
});
const athenaMerge = (table: GoldTable = carMonthly): GoldMerge => ({
  ...athena(table),
  database: "medallion_gold",
  partition,
});

describe("gold statements for Athena", () => {
  it.each([carMonthly, manufacturerDaily])("renders every DML statement of $name as valid Trino SQL", (table) => {
    // Act
    const statements = [
      query(sourceQuery(athena(table))),
      duplicateKeysStatement(athena(table)),
      query(mergeSourceQuery(athenaMerge(table))),
      mergeCountsStatement(athenaMerge(table)),
      mergeStatement(athenaMerge(table)),
    ];
    // Assess
    for (const statement of statements) {
      const { sql, errors } = athenaSyntax(statement);
      expect(errors, sql).toEqual([]);
    }
  });

  it("merges on the key in one statement: deletes vanished groups, updates only changed rows and inserts the rest", () => {
    // Act
    const sql = renderAthena(mergeStatement(athenaMerge()));
    // Assess
    expect(sql).toMatch(
      /^MERGE INTO "medallion_gold"\."car_monthly" AS "t" USING \(WITH "r" AS \(SELECT .+\) AS "s" ON \("t"\."car" = "s"\."car"\) AND \("t"\."year" = "s"\."year"\) AND \("t"\."month" = "s"\."month"\) /,
    );
    expect(sql).toContain(
      `WHEN MATCHED AND "s"."_gold_stale" THEN DELETE WHEN MATCHED AND (("t"."days_reported" IS DISTINCT FROM "s"."days_reported") OR `,
    );
    expect(sql).toContain(`THEN UPDATE SET "days_reported" = "s"."days_reported", `);
    expect(sql).toContain(
      `WHEN NOT MATCHED AND (NOT "s"."_gold_stale") THEN INSERT ("car", "year", "month", "days_reported", `,
    );
    expect(sql).not.toMatch(/UPDATE SET [^W]*"car" =/);
    expect(sql.match(/DELETE/g)).toHaveLength(1);
  });

  it("flags for deletion the gold keys of the recomputed windows that the recomputation no longer holds", () => {
    // Act
    const sql = renderAthena(query(mergeSourceQuery(athenaMerge(manufacturerDaily))));
    // Assess
    expect(sql).toMatch(
      /^WITH "r" AS \(SELECT .+ GROUP BY 1, 2, 3, 4\) SELECT "r"\."manufacturer", "r"\."date", .+, FALSE AS "_gold_stale" FROM "r" UNION ALL /,
    );
    expect(sql).toContain(
      `SELECT DISTINCT "g"."manufacturer", "g"."date", CAST(NULL AS integer) AS "year", CAST(NULL AS integer) AS "month", CAST(NULL AS bigint) AS "cars_reporting", `,
    );
    expect(sql).toContain(
      `TRUE AS "_gold_stale" FROM "medallion_gold"."manufacturer_daily" AS "g" ` +
        `WHERE ("g"."year" IN (2024)) AND ("g"."month" IN (1, 2)) AND ("g"."date" IN (DATE '2024-01-05', DATE '2024-02-01')) ` +
        `AND (NOT EXISTS (SELECT 1 FROM "r" WHERE ("g"."manufacturer" = "r"."manufacturer") AND ("g"."date" = "r"."date")))`,
    );
    expect(sql.match(/FROM "medallion_silver"\."car_telemetry"/g)).toHaveLength(1);
  });

  it("reads only the affected windows of silver and uses Trino's min_by/max_by", () => {
    // Act
    const sql = renderAthena(query(sourceQuery(athena())));
    // Assess
    expect(sql).toContain(
      `FROM "medallion_silver"."car_telemetry" WHERE ("event_year" IN (2024)) AND ("event_month" IN (1, 2)) AND ((("event_year" * 100) + "event_month") IN (202401, 202402)) GROUP BY 1, 2, 3`,
    );
    expect(sql).toContain(`min_by("currentMileage", "metricTimestamp") AS "first_mileage"`);
    expect(sql).toContain(`max_by("fuel_level_percentage", "metricTimestamp") AS "last_fuel_level_percentage"`);
  });

  it("rounds computed doubles so a re-run's summation order cannot change them, and derives ratios from exact sums", () => {
    // Act
    const sql = renderAthena(query(sourceQuery(athena())));
    // Assess
    expect(sql).toContain(`round(sum("metrics_trip_tripMileage"), 9) AS "trip_distance_km"`);
    expect(sql).toContain(
      `round((CASE WHEN (sum("metrics_trip_tripFuelLiters") <> 0) THEN ((CAST(sum("metrics_trip_tripMileage") AS double) / sum("metrics_trip_tripFuelLiters")) * 1) END), 9) AS "km_per_liter"`,
    );
    expect(sql).toContain(`count(DISTINCT "event_day") AS "days_reported"`);
  });

  it("creates an Iceberg table in Hive DDL, partitioned and located as asked", () => {
    // Act
    const [create, ...rest] = createTableStatements({
      table: manufacturerDaily,
      database: "medallion_gold",
      dialect: "athena",
      location: "s3://gold-bucket/medallion_gold/manufacturer_daily/",
    });
    const { sql: ddl, errors } = athenaSyntax(create!);
    // Assess
    expect(rest).toEqual([]);
    expect(errors).toEqual([]);
    expect(ddl).toBe(
      "CREATE TABLE IF NOT EXISTS `medallion_gold`.`manufacturer_daily` (`manufacturer` string, `date` date, `year` int, `month` int, " +
        "`cars_reporting` bigint, `trip_distance_km` double, `trip_fuel_liters` double, `km_per_liter` double, `avg_fuel_level_percentage` double) " +
        "PARTITIONED BY (`year`, `month`) LOCATION 's3://gold-bucket/medallion_gold/manufacturer_daily/' " +
        "TBLPROPERTIES ('table_type' = 'ICEBERG', 'format' = 'parquet', 'write_compression' = 'snappy')",
    );
  });

  it("refuses to create an Athena table without a location", () => {
    // Act
    const create = () => createTableStatements({ table: carMonthly, database: "gold", dialect: "athena" });
    // Assess
    expect(create).toThrow(/needs an S3 location/);
  });
});

describe("gold statements for DuckDB", () => {
  let engine: MemoryEngine;
  beforeEach(async () => {
    engine = await memoryEngine();
    await createSilver(engine);
  });
  afterEach(() => engine.close());

  it("creates the table keyed on the merge key, and creating it again is a no-op", async () => {
    // Prepare
    const statements = createTableStatements({ table: carMonthly, database: "gold", dialect: "duckdb" });
    // Act
    for (const statement of [...statements, ...statements]) await engine.run(statement);
    const columns = await engine.rows(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'gold' AND table_name = 'car_monthly' ORDER BY ordinal_position",
    );
    // Assess
    expect(columns.slice(0, 4)).toEqual([
      { column_name: "car", data_type: "VARCHAR" },
      { column_name: "year", data_type: "INTEGER" },
      { column_name: "month", data_type: "INTEGER" },
      { column_name: "days_reported", data_type: "BIGINT" },
    ]);
    await expect(
      engine.sql(`INSERT INTO gold.car_monthly (car, year, month) VALUES ('A', 2024, 1), ('A', 2024, 1)`),
    ).rejects.toThrow(/PRIMARY KEY|Duplicate key/i);
  });

  it("runs the source, checks, counts and MERGE for real", async () => {
    // Prepare
    const source: GoldMerge = {
      table: manufacturerDaily,
      silver: { database: "silver", name: "car_telemetry" },
      windows: [{ event_year: 2024, event_month: 1, event_day: 5 }],
      database: "gold",
      partition,
    };
    for (const statement of createTableStatements({ table: manufacturerDaily, database: "gold", dialect: "duckdb" }))
      await engine.run(statement);
    // Act
    const found = [
      await engine.rows(query(sourceQuery(source))),
      await engine.rows(duplicateKeysStatement(source)),
      await engine.rows(query(mergeSourceQuery(source))),
      await engine.rows(mergeCountsStatement(source)),
      await engine.rows(mergeStatement(source)),
    ];
    // Assess
    expect(found.slice(0, 4)).toEqual([[], [], [], [{ source_rows: 0, matched: 0, changed: 0, deleted: 0 }]]);
  });
});
