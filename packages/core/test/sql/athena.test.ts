import { HiveSQL, TrinoSQL } from "dt-sql-parser";
import { describe, expect, it } from "vitest";
import type { PartitionLocation, Query, Statement, TableRef } from "../../src/sql/ast";
import { and, binary, call, cast, column, lit, not, or } from "../../src/sql/ast";
import { renderAthena } from "../../src/sql/athena";
import { InvalidIdentifierError, UnsupportedStatementError } from "../../src/sql/errors";

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

  it("reads a renamed column of the catalog's partitions under its new name", () => {
    // Act
    const sql = renderAthena({
      kind: "query",
      query: {
        kind: "select",
        columns: "*",
        from: {
          kind: "partitions",
          table,
          columns: [{ name: "hub", type: "varchar", renamedFrom: ["depot"] }],
          partitionColumns: [{ name: "event_day", type: "integer" }],
          partitions: [partition(1)],
        },
      },
    });
    // Assess
    expect(sql).toContain(`SELECT coalesce("hub", "depot") AS "hub", "event_day" FROM`);
    expect(trino.validate(sql), sql).toEqual([]);
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

  it("renders WITH, unions, joins, subqueries, aggregates and clauses that parse as Trino", () => {
    // Prepare
    const gold: TableRef = { database: "gold", name: "car_monthly" };
    const recomputed: Query = {
      kind: "select",
      columns: [
        { expr: cast(column("metricTimestamp"), "date"), as: "date" },
        { expr: { kind: "call", fn: "count", args: [column("event_day")], distinct: true }, as: "days" },
        { expr: call("round", call("avg", column("km")), lit(9)), as: "km" },
        { expr: call("min_by", column("km"), column("metricTimestamp")), as: "first_km" },
      ],
      from: { kind: "table", table },
      where: or(and(binary(column("event_year"), "=", lit(2024)), binary(column("event_month"), "=", lit(1)))),
      groupBy: [{ kind: "ordinal", position: 1 }],
      having: binary(call("count"), ">", lit(1)),
      orderBy: [{ expr: column("date"), descending: true }],
      limit: 5,
    };
    const query: Query = {
      kind: "with",
      queries: [{ name: "r", query: recomputed }],
      body: {
        kind: "unionAll",
        queries: [
          { kind: "select", columns: [{ expr: column("r", "date") }], from: { kind: "cte", name: "r" } },
          {
            kind: "select",
            distinct: true,
            columns: [{ expr: column("g", "date") }],
            from: {
              kind: "leftJoin",
              left: { kind: "table", table: gold, alias: "g" },
              right: { kind: "subquery", query: recomputed, alias: "s" },
              on: binary(column("g", "date"), "IS DISTINCT FROM", column("s", "date")),
            },
            where: and(
              binary(column("g", "date"), ">=", { kind: "dateLiteral", value: "2024-01-01" }),
              not({
                kind: "exists",
                query: { kind: "select", columns: [{ expr: lit(1) }], from: { kind: "cte", name: "r" } },
              }),
              binary(
                {
                  kind: "subquery",
                  query: { kind: "select", columns: [{ expr: call("count") }], from: { kind: "table", table } },
                },
                ">",
                lit(0),
              ),
            ),
          },
        ],
      },
    };
    // Act
    const sql = renderAthena({ kind: "query", query });
    // Assess
    expect(trino.validate(sql), sql).toEqual([]);
    expect(sql).toContain(
      `WHERE ("g"."date" >= DATE '2024-01-01') AND (NOT EXISTS (SELECT 1 FROM "r")) AND ((SELECT count(*) FROM "medallion_silver"."car_telemetry") > 0)`,
    );
    expect(sql).toContain(
      `GROUP BY 1 HAVING (count(*) > 1) ORDER BY "date" DESC LIMIT 5) SELECT "r"."date" FROM "r" UNION ALL SELECT DISTINCT`,
    );
  });

  it("renders a MERGE with its clauses in order, as valid Trino", () => {
    // Prepare
    const merge: Statement = {
      kind: "merge",
      into: { database: "gold", name: "car_monthly" },
      alias: "t",
      using: { kind: "subquery", query: { kind: "select", columns: "*", from: { kind: "table", table } }, alias: "s" },
      on: and(
        binary(column("t", "car"), "=", column("s", "car")),
        binary(column("t", "year"), "=", column("s", "year")),
      ),
      clauses: [
        { when: "matched", condition: column("s", "gone"), action: "delete" },
        {
          when: "matched",
          condition: binary(column("t", "km"), "IS DISTINCT FROM", column("s", "km")),
          action: "update",
          set: [{ column: "km", value: column("s", "km") }],
        },
        {
          when: "notMatched",
          condition: not(column("s", "gone")),
          action: "insert",
          columns: ["car", "year", "km"],
          values: [column("s", "car"), column("s", "year"), column("s", "km")],
        },
      ],
    };
    // Act
    const sql = renderAthena(merge);
    // Assess
    expect(trino.validate(sql), sql).toEqual([]);
    expect(sql).toBe(
      'MERGE INTO "gold"."car_monthly" AS "t" USING (SELECT * FROM "medallion_silver"."car_telemetry") AS "s" ' +
        'ON ("t"."car" = "s"."car") AND ("t"."year" = "s"."year") ' +
        'WHEN MATCHED AND "s"."gone" THEN DELETE ' +
        'WHEN MATCHED AND ("t"."km" IS DISTINCT FROM "s"."km") THEN UPDATE SET "km" = "s"."km" ' +
        'WHEN NOT MATCHED AND (NOT "s"."gone") THEN INSERT ("car", "year", "km") VALUES ("s"."car", "s"."year", "s"."km")',
    );
  });

  it("renders an Iceberg CREATE TABLE in Hive DDL, and refuses one without a location", () => {
    // Prepare
    const create: Statement = {
      kind: "createTable",
      table: { database: "gold", name: "daily" },
      columns: [
        { name: "date", type: "date" },
        { name: "n", type: "bigint" },
        { name: "name", type: "varchar" },
      ],
      primaryKey: ["date"],
      partitionedBy: ["date"],
      location: "s3://gold/it's/",
    };
    // Act
    const sql = renderAthena(create);
    // Assess
    expect(hive.validate(sql), sql).toEqual([]);
    expect(sql).toBe(
      "CREATE TABLE IF NOT EXISTS `gold`.`daily` (`date` date, `n` bigint, `name` string) PARTITIONED BY (`date`) " +
        "LOCATION 's3://gold/it\\'s/' TBLPROPERTIES ('table_type' = 'ICEBERG', 'format' = 'parquet', 'write_compression' = 'snappy')",
    );
    expect(() => renderAthena({ ...create, location: undefined })).toThrow(UnsupportedStatementError);
    expect(() => renderAthena({ kind: "createSchema", database: "gold" })).toThrow(UnsupportedStatementError);
  });

  it("renders OPTIMIZE and VACUUM with bare names, refusing names that need quoting", () => {
    // Act
    const optimize = renderAthena({ kind: "optimize", table: { database: "gold", name: "car_monthly" } });
    const vacuum = renderAthena({ kind: "vacuum", table: { database: "gold", name: "car_monthly" } });
    // Assess
    expect([optimize, vacuum]).toEqual([
      "OPTIMIZE gold.car_monthly REWRITE DATA USING BIN_PACK",
      "VACUUM gold.car_monthly",
    ]);
    expect(() => renderAthena({ kind: "vacuum", table: { database: "gold", name: 'car"; DROP' } })).toThrow(
      InvalidIdentifierError,
    );
  });
});
