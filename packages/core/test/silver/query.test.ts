import { TrinoSQL } from "dt-sql-parser";
import { describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { consolidationStatement } from "../../src/silver/query";
import { renderAthena } from "../../src/sql/athena";

const trino = new TrinoSQL();
const options = {
  spec: carTelemetry,
  bronze: {
    table: { database: "medallion_bronze", name: "car_telemetry" },
    uris: ["s3://bronze/car_telemetry/ingest_date=2024-01-06/a-1.parquet"],
    ingestDates: ["2024-01-06"],
  },
  to: "s3://silver/car_telemetry/_v=abc/",
};
const silverTable = { database: "medallion_silver", name: "car_telemetry" };

describe("consolidationStatement on Athena", () => {
  it("unloads the deduplicated union of new rows and the affected partitions, as valid Trino", () => {
    // Prepare
    const existing = [
      {
        values: { event_year: 2024, event_month: 1, event_day: 5 },
        location: "s3://silver/car_telemetry/_v=old/event_year=2024/event_month=1/event_day=5/",
      },
    ];
    // Act
    const sql = renderAthena(consolidationStatement({ ...options, silver: { table: silverTable, existing } }));
    // Assess
    const match =
      /^UNLOAD \((.*)\) TO 's3:\/\/silver\/car_telemetry\/_v=abc\/' WITH \(format = 'PARQUET', compression = 'SNAPPY', partitioned_by = ARRAY\['event_year', 'event_month', 'event_day'\]\)$/.exec(
        sql,
      );
    expect(match).not.toBeNull();
    expect(trino.validate(match![1]!)).toEqual([]);
    expect(sql).toContain(
      'row_number() OVER (PARTITION BY "carChassis", "event_year", "event_month", "event_day" ORDER BY "currentMileage" DESC, "_source_key" DESC, "_record_index" DESC)',
    );
    expect(sql).toContain(
      'FROM "medallion_silver"."car_telemetry" WHERE (("event_year" = 2024) AND ("event_month" = 1) AND ("event_day" = 5))) AS "src"',
    );
    expect(sql).toContain(`"$path" IN ('s3://bronze/car_telemetry/ingest_date=2024-01-06/a-1.parquet')`);
  });

  it("reads no silver partition when every affected partition is new", () => {
    // Act
    const sql = renderAthena(consolidationStatement({ ...options, silver: { table: silverTable, existing: [] } }));
    // Assess
    expect(sql).not.toContain("medallion_silver");
    expect(trino.validate(/^UNLOAD \((.*)\) TO /.exec(sql)![1]!)).toEqual([]);
  });

  it("puts the partition columns last, as UNLOAD requires", () => {
    // Act
    const statement = consolidationStatement({ ...options, silver: { table: silverTable, existing: [] } });
    // Assess
    if (statement.kind !== "unload" || statement.query.kind !== "firstPerGroup")
      throw new Error("unexpected statement shape");
    expect(statement.query.columns.slice(-3)).toEqual(["event_year", "event_month", "event_day"]);
  });
});
