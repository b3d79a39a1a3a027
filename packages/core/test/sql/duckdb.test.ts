import { describe, expect, it } from "vitest";
import type { Query, TableRef } from "../../src/sql/ast";
import { column } from "../../src/sql/ast";
import { readUris, renderDuckDb } from "../../src/sql/duckdb";
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

  it("reads partitions with their values as typed constant columns, skipping empty ones", () => {
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
      `SELECT * FROM (SELECT "a", CAST(1 AS INTEGER) AS "event_day" FROM read_parquet(['/lake/s/p1/part-0.parquet'], union_by_name = true, hive_partitioning = false)) AS "src"`,
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

  it("refuses partition DDL and bronze sources without files", () => {
    // Prepare
    const missing: Query = { kind: "select", columns: "*", from: { kind: "files", table, uris: ["s3://b/missing"] } };
    // Act + Assess
    expect(() =>
      renderDuckDb(
        { kind: "setPartitionLocation", table, partition: { values: { d: 1 }, location: "s3://x/" } },
        { files },
      ),
    ).toThrow(UnsupportedStatementError);
    expect(() => renderDuckDb({ kind: "query", query: missing }, { files })).toThrow(SqlError);
  });
});

describe("readUris", () => {
  it("lists every object and location a statement reads, through unions and subqueries", () => {
    // Prepare
    const inner: Query = {
      kind: "unionAll",
      queries: [
        { kind: "select", columns: "*", from: { kind: "files", table, uris: ["s3://b/1", "s3://b/2"] } },
        {
          kind: "select",
          columns: "*",
          from: {
            kind: "partitions",
            table,
            columns: [],
            partitionColumns: [],
            partitions: [{ values: {}, location: "s3://s/p/" }],
          },
        },
      ],
    };
    // Act
    const uris = readUris({
      kind: "unload",
      to: "s3://s/v/",
      partitionedBy: [],
      query: { kind: "select", columns: "*", from: { kind: "subquery", query: inner, alias: "u" } },
    });
    // Assess
    expect(uris).toEqual(["s3://b/1", "s3://b/2", "s3://s/p/"]);
  });
});
