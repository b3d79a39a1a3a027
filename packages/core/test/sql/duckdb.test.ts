import { describe, expect, it } from "vitest";
import type { Query, Statement, TableRef } from "../../src/sql/ast";
import { binary, call, cast, column } from "../../src/sql/ast";
import { renderAthena } from "../../src/sql/athena";
import { renderDuckDb } from "../../src/sql/duckdb";
import { SqlError, UnsupportedStatementError } from "../../src/sql/errors";

const table: TableRef = { database: "silver", name: "car_telemetry" };
const files = (uri: string): string[] =>
  uri.endsWith("/") ? [`/lake${uri.slice(4)}part-0.parquet`] : uri.includes("missing") ? [] : [`/lake${uri.slice(4)}`];

describe("renderDuckDb", () => {
  it("reads bronze objects from their local files", () => {
    // Prepare
    const query: Query = {
      kind: "select",
      columns: [{ expr: column("a") }],
      from: { kind: "files", table, uris: ["s3://b/k'1.parquet"] },
    };
    // Act
    const sql = renderDuckDb({ kind: "query", query }, { files });
    // Assess
    expect(sql).toBe(
      `SELECT "a" FROM read_parquet(['/lake/b/k''1.parquet'], union_by_name = true, hive_partitioning = false) AS "src"`,
    );
  });

  it("keeps a group's first row with Athena's window, or with one aggregate when asked and there are groups", () => {
    // Prepare
    const firstPerGroup = (partitionBy: ReturnType<typeof column>[]): Query => ({
      kind: "firstPerGroup",
      query: {
        kind: "select",
        columns: [{ expr: column("k") }, { expr: column("o") }],
        from: { kind: "table", table },
      },
      columns: ["k", "o"],
      partitionBy,
      orderBy: [{ expr: column("o"), descending: true }, { expr: column("k") }],
    });
    const rows = `(SELECT "k", "o" FROM "silver"."car_telemetry") AS "unioned"`;
    const window = (partition: string) =>
      `SELECT "k", "o" FROM (SELECT "k", "o", row_number() OVER (${partition}ORDER BY "o" DESC, "k") AS "_rn" FROM ${rows}) AS "ranked" WHERE ("_rn" = 1)`;
    // Act
    const byWindow = renderDuckDb({ kind: "query", query: firstPerGroup([column("k")]) }, { files });
    const athena = renderAthena({ kind: "query", query: firstPerGroup([column("k")]) });
    const byAggregate = renderDuckDb(
      { kind: "query", query: firstPerGroup([column("k")]) },
      { files, firstPerGroup: "aggregate" },
    );
    const oneGroup = renderDuckDb({ kind: "query", query: firstPerGroup([]) }, { files, firstPerGroup: "aggregate" });
    // Assess
    expect(byWindow).toBe(window(`PARTITION BY "k" `));
    expect(athena).toBe(byWindow);
    expect(byAggregate).toBe(
      `SELECT unnest("_kept") FROM (SELECT arg_min({'k': "k", 'o': "o"}, create_sort_key("o", 'DESC NULLS LAST', "k", 'ASC NULLS LAST')) AS "_kept" FROM ${rows} GROUP BY "k") AS "kept"`,
    );
    expect(oneGroup).toBe(window(""));
  });

  it("reads partitions in one scan, by name as the declared columns, each file joined to its partition's typed values, skipping empty ones", () => {
    // Prepare
    const query: Query = {
      kind: "select",
      columns: "*",
      from: {
        kind: "partitions",
        table,
        columns: [{ name: "a", type: "double" }],
        partitionColumns: [{ name: "event_day", type: "integer" }],
        partitions: [
          { values: { event_day: 1 }, location: "s3://s/p1/" },
          { values: { event_day: 2 }, location: "s3://s/missing/" },
        ],
      },
    };
    // Act
    const sql = renderDuckDb({ kind: "query", query }, { files: (uri) => (uri.includes("missing") ? [] : files(uri)) });
    // Assess
    expect(sql).toBe(
      `SELECT * FROM (SELECT "__files"."a", "__partitions"."event_day" FROM (SELECT CAST(NULL AS DOUBLE) AS "a", CAST(NULL AS VARCHAR) AS "__file" WHERE FALSE UNION ALL BY NAME SELECT * FROM read_parquet(['/lake/s/p1/part-0.parquet'], union_by_name = true, hive_partitioning = false, filename = '__file')) AS "__files" JOIN (VALUES ('/lake/s/p1/part-0.parquet', CAST(1 AS INTEGER))) AS "__partitions"("__path", "event_day") ON "__files"."__file" = "__partitions"."__path") AS "src"`,
    );
  });

  it("reads a renamed column under its new name, from files holding either name", () => {
    // Prepare
    const query: Query = {
      kind: "select",
      columns: "*",
      from: {
        kind: "partitions",
        table,
        columns: [{ name: "hub", type: "varchar", renamedFrom: ["depot"] }],
        partitionColumns: [{ name: "event_day", type: "integer" }],
        partitions: [{ values: { event_day: 1 }, location: "s3://s/p1/" }],
      },
    };
    // Act
    const sql = renderDuckDb({ kind: "query", query }, { files });
    // Assess: the earlier name is read (NULL in files without it) and coalesced, never shown.
    expect(sql).toBe(
      `SELECT * FROM (SELECT coalesce("__files"."hub", "__files"."depot") AS "hub", "__partitions"."event_day" FROM (SELECT CAST(NULL AS VARCHAR) AS "hub", CAST(NULL AS VARCHAR) AS "depot", CAST(NULL AS VARCHAR) AS "__file" WHERE FALSE UNION ALL BY NAME SELECT * FROM read_parquet(['/lake/s/p1/part-0.parquet'], union_by_name = true, hive_partitioning = false, filename = '__file')) AS "__files" JOIN (VALUES ('/lake/s/p1/part-0.parquet', CAST(1 AS INTEGER))) AS "__partitions"("__path", "event_day") ON "__files"."__file" = "__partitions"."__path") AS "src"`,
    );
  });

  it("renders an unload as a partitioned COPY to the given directory", () => {
    // Prepare
    const query: Query = { kind: "select", columns: [{ expr: column("a") }], from: { kind: "table", table } };
    // Act
    const sql = renderDuckDb(
      { kind: "unload", query, to: "s3://s/v/", partitionedBy: ["event_day"] },
      { files, unloadDirectory: "/tmp/out" },
    );
    // Assess
    expect(sql).toBe(
      `COPY (SELECT "a" FROM "silver"."car_telemetry") TO '/tmp/out' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY ("event_day"))`,
    );
  });

  it("refuses bronze sources without files", () => {
    // Prepare
    const missing: Query = { kind: "select", columns: "*", from: { kind: "files", table, uris: ["s3://b/missing"] } };
    // Act + Assess
    expect(() => renderDuckDb({ kind: "query", query: missing }, { files })).toThrow(SqlError);
  });

  it("creates the schema, then a table keyed on its primary key, without Athena's partitioning", () => {
    // Prepare
    const create: Statement = {
      kind: "createTable",
      table: { database: "gold", name: "daily" },
      columns: [
        { name: "date", type: "date" },
        { name: "n", type: "bigint" },
      ],
      primaryKey: ["date"],
      partitionedBy: ["date"],
    };
    // Act
    const sql = [renderDuckDb({ kind: "createSchema", database: "gold" }, { files }), renderDuckDb(create, { files })];
    // Assess
    expect(sql).toEqual([
      `CREATE SCHEMA IF NOT EXISTS "gold"`,
      `CREATE SCHEMA IF NOT EXISTS "gold"; CREATE TABLE IF NOT EXISTS "gold"."daily" ("date" DATE, "n" BIGINT, PRIMARY KEY ("date"))`,
    ]);
  });

  it("spells first/last-by and types its own way, inside a MERGE written as Athena's", () => {
    // Prepare
    const query: Query = {
      kind: "select",
      columns: [
        { expr: call("min_by", column("km"), column("at")) },
        { expr: call("max_by", column("km"), column("at")) },
        { expr: cast(column("at"), "date") },
      ],
      from: { kind: "table", table },
    };
    const merge: Statement = {
      kind: "merge",
      into: { database: "gold", name: "t" },
      alias: "t",
      using: { kind: "subquery", query, alias: "s" },
      on: binary(column("t", "k"), "=", column("s", "k")),
      clauses: [{ when: "notMatched", action: "insert", columns: ["k"], values: [column("s", "k")] }],
    };
    // Act
    const sql = renderDuckDb({ kind: "query", query }, { files });
    // Assess
    expect(sql).toBe(
      `SELECT arg_min_null("km", "at"), arg_max_null("km", "at"), CAST("at" AS DATE) FROM "silver"."car_telemetry"`,
    );
    expect(renderDuckDb(merge, { files })).toBe(
      `MERGE INTO "gold"."t" AS "t" USING (${sql}) AS "s" ON ("t"."k" = "s"."k") WHEN NOT MATCHED THEN INSERT ("k") VALUES ("s"."k")`,
    );
    expect(renderAthena(merge)).toContain(
      `USING (SELECT min_by("km", "at"), max_by("km", "at"), CAST("at" AS date) FROM`,
    );
  });

  it("refuses Iceberg maintenance, which DuckDB tables do not need", () => {
    // Act + Assess
    for (const kind of ["optimize", "vacuum"] as const)
      expect(() => renderDuckDb({ kind, table: { database: "gold", name: "t" } }, { files })).toThrow(
        UnsupportedStatementError,
      );
  });
});
