import { HiveSQL, TrinoSQL } from "dt-sql-parser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { carMonthly, manufacturerDaily } from "../../src/datasets/gold-car-telemetry";
import { createTableSql, duplicateKeysSql, mergeCountsSql, mergeSql, readTableSql, sourceSql } from "../../src/gold/statements";
import type { GoldSource } from "../../src/gold/statements";
import { createSilver, memoryEngine } from "./fixture";
import type { MemoryEngine } from "./fixture";

const trino = new TrinoSQL();
const hive = new HiveSQL();
const silver = { database: "medallion_silver", name: "car_telemetry" };
const windows = [
  { event_year: 2024, event_month: 1 },
  { event_year: 2024, event_month: 2 },
];
const athena = (table = carMonthly): GoldSource => ({ table, silver, windows, dialect: "athena" });

describe("gold statements for Athena", () => {
  it.each([carMonthly, manufacturerDaily])("renders every DML statement of $name as valid Trino SQL", (table) => {
    // Act
    const statements = [
      sourceSql(athena(table)),
      duplicateKeysSql(athena(table)),
      mergeCountsSql({ ...athena(table), database: "medallion_gold" }),
      mergeSql({ ...athena(table), database: "medallion_gold" }),
      readTableSql({ table, database: "medallion_gold" }),
    ];
    // Assess
    for (const sql of statements) expect(trino.validate(sql), sql).toEqual([]);
  });

  it("merges on the key, updates only changed rows and inserts the rest", () => {
    // Act
    const sql = mergeSql({ ...athena(), database: "medallion_gold" });
    // Assess
    expect(sql).toMatch(/^MERGE INTO "medallion_gold"\."car_monthly" AS "t" USING \(SELECT .+\) AS "s" ON \("t"\."car" = "s"\."car"\) AND \("t"\."year" = "s"\."year"\) AND \("t"\."month" = "s"\."month"\) /);
    expect(sql).toContain(`WHEN MATCHED AND (("t"."days_reported" IS DISTINCT FROM "s"."days_reported") OR `);
    expect(sql).toContain(`THEN UPDATE SET "days_reported" = "s"."days_reported", `);
    expect(sql).toContain(`WHEN NOT MATCHED THEN INSERT ("car", "year", "month", "days_reported", `);
    expect(sql).not.toMatch(/UPDATE SET [^W]*"car" =/);
  });

  it("reads only the affected windows of silver and uses Trino's min_by/max_by", () => {
    // Act
    const sql = sourceSql(athena());
    // Assess
    expect(sql).toContain(`FROM "medallion_silver"."car_telemetry" WHERE ((("event_year" = 2024) AND ("event_month" = 1)) OR (("event_year" = 2024) AND ("event_month" = 2))) GROUP BY 1, 2, 3`);
    expect(sql).toContain(`min_by("currentMileage", "metricTimestamp") AS "first_mileage"`);
    expect(sql).toContain(`max_by("fuel_level_percentage", "metricTimestamp") AS "last_fuel_level_percentage"`);
  });

  it("rounds computed doubles so a re-run's summation order cannot change them, and derives ratios from exact sums", () => {
    // Act
    const sql = sourceSql(athena());
    // Assess
    expect(sql).toContain(`round(sum("metrics_trip_tripMileage"), 9) AS "trip_distance_km"`);
    expect(sql).toContain(
      `round((CASE WHEN (sum("metrics_trip_tripFuelLiters") <> 0) THEN ((CAST(sum("metrics_trip_tripMileage") AS double) / sum("metrics_trip_tripFuelLiters")) * 1) END), 9) AS "km_per_liter"`,
    );
    expect(sql).toContain(`count(DISTINCT "event_day") AS "days_reported"`);
  });

  it("creates an Iceberg table in Hive DDL, partitioned and located as asked", () => {
    // Act
    const [ddl, ...rest] = createTableSql({ table: manufacturerDaily, database: "medallion_gold", dialect: "athena", location: "s3://gold-bucket/medallion_gold/manufacturer_daily/" });
    // Assess
    expect(rest).toEqual([]);
    expect(hive.validate(ddl!)).toEqual([]);
    expect(ddl).toBe(
      "CREATE TABLE IF NOT EXISTS `medallion_gold`.`manufacturer_daily` (`manufacturer` string, `date` date, `year` int, `month` int, " +
        "`cars_reporting` bigint, `trip_distance_km` double, `trip_fuel_liters` double, `km_per_liter` double, `avg_fuel_level_percentage` double) " +
        "PARTITIONED BY (`year`, `month`) LOCATION 's3://gold-bucket/medallion_gold/manufacturer_daily/' " +
        "TBLPROPERTIES ('table_type' = 'ICEBERG', 'format' = 'parquet', 'write_compression' = 'snappy')",
    );
  });

  it("refuses to create an Athena table without a location", () => {
    // Act
    const create = () => createTableSql({ table: carMonthly, database: "gold", dialect: "athena" });
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
    const statements = createTableSql({ table: carMonthly, database: "gold", dialect: "duckdb" });
    // Act
    for (const sql of [...statements, ...statements]) await engine.run(sql);
    const columns = await engine.rows("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'gold' AND table_name = 'car_monthly' ORDER BY ordinal_position");
    // Assess
    expect(columns.slice(0, 4)).toEqual([
      { column_name: "car", data_type: "VARCHAR" },
      { column_name: "year", data_type: "INTEGER" },
      { column_name: "month", data_type: "INTEGER" },
      { column_name: "days_reported", data_type: "BIGINT" },
    ]);
    await expect(engine.run(`INSERT INTO gold.car_monthly (car, year, month) VALUES ('A', 2024, 1), ('A', 2024, 1)`)).rejects.toThrow(/PRIMARY KEY|Duplicate key/i);
  });

  it("runs the source, checks, counts and MERGE for real", async () => {
    // Prepare
    const source: GoldSource = { table: manufacturerDaily, silver: { database: "silver", name: "car_telemetry" }, windows: [{ event_year: 2024, event_month: 1, event_day: 5 }], dialect: "duckdb" };
    for (const sql of createTableSql({ table: manufacturerDaily, database: "gold", dialect: "duckdb" })) await engine.run(sql);
    // Act
    const found = [
      await engine.rows(sourceSql(source)),
      await engine.rows(duplicateKeysSql(source)),
      await engine.rows(mergeCountsSql({ ...source, database: "gold" })),
      await engine.rows(mergeSql({ ...source, database: "gold" })),
    ];
    // Assess
    expect(found.slice(0, 3)).toEqual([[], [], [{ source_rows: 0, matched: 0, changed: 0 }]]);
  });
});
