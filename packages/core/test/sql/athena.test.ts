import { HiveSQL, TrinoSQL } from "dt-sql-parser";
import { describe, expect, it } from "vitest";
import type { PartitionLocation, Query, TableRef } from "../../src/sql/ast";
import { call, cast, column, lit } from "../../src/sql/ast";
import { renderAthena } from "../../src/sql/athena";
import { UnsupportedStatementError } from "../../src/sql/errors";

const trino = new TrinoSQL();
const hive = new HiveSQL();
const table: TableRef = { database: "medallion_silver", name: "car_telemetry" };
const partition = (
  day: number,
  location = `s3://silver/car_telemetry/_v=abc/event_year=2024/event_month=1/event_day=${day}/`,
): PartitionLocation => ({
  values: { event_year: 2024, event_month: 1, event_day: day },
  location,
});

const everyFunction: Query = {
  kind: "select",
  columns: [
    { expr: call("title_case", call("trim", column("Manufacturer"))), as: "Manufacturer" },
    { expr: call("lower", column("color")), as: "color" },
    { expr: call("upper", column("Model")) },
    { expr: call("parse_timestamp", column("metricTimestamp")), as: "ts" },
    { expr: cast(call("year", call("parse_timestamp", column("metricTimestamp"))), "integer"), as: "event_year" },
    { expr: call("month", column("t")), as: "m" },
    { expr: call("day", column("t")), as: "d" },
    { expr: cast(column("metrics", "trip", "tripMileage"), "double"), as: "trip" },
    {
      expr: {
        kind: "case",
        whens: [
          {
            when: { kind: "binary", op: "<>", left: column("b"), right: lit(0) },
            then: { kind: "binary", op: "/", left: column("a"), right: column("b") },
          },
        ],
        otherwise: lit(null),
      },
      as: "ratio",
    },
    {
      expr: {
        kind: "rowNumber",
        partitionBy: [column("k")],
        orderBy: [{ expr: column("v"), descending: true }, { expr: column("w") }],
      },
      as: "_rn",
    },
  ],
  from: {
    kind: "files",
    table: { database: "medallion_bronze", name: "car_telemetry" },
    uris: ["s3://bronze/car_telemetry/ingest_date=2024-01-06/a-1.parquet", "s3://bronze/x'y.parquet"],
    partitionFilter: { column: "ingest_date", values: ["2024-01-06"] },
  },
  where: { kind: "isNull", expr: column("metricTimestamp"), negated: true },
};

describe("renderAthena", () => {
  it("renders queries that parse as Trino, every function and source included", () => {
    // Prepare
    const queries: Query[] = [
      everyFunction,
      {
        kind: "select",
        columns: "*",
        from: {
          kind: "partitions",
          table,
          columns: [{ name: "a", type: "double" }],
          partitionColumns: [{ name: "event_day", type: "integer" }],
          partitions: [partition(1), partition(2)],
        },
      },
      { kind: "unionAll", queries: [everyFunction, everyFunction] },
      {
        kind: "select",
        columns: [{ expr: call("min", column("$path")), as: "path" }],
        from: { kind: "table", table },
        where: { kind: "in", expr: column("x"), values: [lit("a"), lit(1)] },
        groupBy: [column("event_day")],
      },
    ];
    for (const query of queries) {
      // Act
      const sql = renderAthena({ kind: "query", query });
      // Assess
      expect(trino.validate(sql), sql).toEqual([]);
    }
  });

  it("filters bronze files by path and ingest date, escaping the URIs", () => {
    // Act
    const sql = renderAthena({ kind: "query", query: everyFunction });
    // Assess
    expect(sql).toContain(
      `WHERE ("ingest_date" IN ('2024-01-06')) AND ("$path" IN ('s3://bronze/car_telemetry/ingest_date=2024-01-06/a-1.parquet', 's3://bronze/x''y.parquet'))`,
    );
  });

  it("renders an UNLOAD to a versioned prefix, partitioned, around a valid Trino query", () => {
    // Prepare
    const query: Query = { kind: "select", columns: [{ expr: column("a") }], from: { kind: "table", table } };
    // Act
    const sql = renderAthena({
      kind: "unload",
      query,
      to: "s3://silver/car_telemetry/_v=abc/",
      partitionedBy: ["event_year", "event_month", "event_day"],
    });
    // Assess
    expect(sql).toBe(
      `UNLOAD (SELECT "a" FROM "medallion_silver"."car_telemetry") TO 's3://silver/car_telemetry/_v=abc/' WITH (format = 'PARQUET', compression = 'SNAPPY', partitioned_by = ARRAY['event_year', 'event_month', 'event_day'])`,
    );
    expect(trino.validate(/^UNLOAD \((.*)\) TO /.exec(sql)![1]!)).toEqual([]);
  });

  it("renders partition DDL that parses as Hive", () => {
    // Act
    const add = renderAthena({ kind: "addPartitions", table, partitions: [partition(1), partition(2)] });
    const set = renderAthena({ kind: "setPartitionLocation", table, partition: partition(3, "s3://silver/it's/") });
    // Assess
    expect(hive.validate(add), add).toEqual([]);
    expect(hive.validate(set), set).toEqual([]);
    expect(add).toBe(
      "ALTER TABLE `medallion_silver`.`car_telemetry` ADD IF NOT EXISTS PARTITION (`event_year` = 2024, `event_month` = 1, `event_day` = 1) LOCATION 's3://silver/car_telemetry/_v=abc/event_year=2024/event_month=1/event_day=1/' PARTITION (`event_year` = 2024, `event_month` = 1, `event_day` = 2) LOCATION 's3://silver/car_telemetry/_v=abc/event_year=2024/event_month=1/event_day=2/'",
    );
    expect(set).toContain("SET LOCATION 's3://silver/it\\'s/'");
  });

  it("refuses an ADD PARTITION with more than 100 partitions", () => {
    // Prepare
    const partitions = Array.from({ length: 101 }, (_, i) => partition(i));
    // Act + Assess
    expect(() => renderAthena({ kind: "addPartitions", table, partitions })).toThrow(UnsupportedStatementError);
  });
});
