import { describe, expect, it } from "vitest";
import type { Query, TableRef } from "../../src/sql/ast";
import { binary, column, lit, not } from "../../src/sql/ast";
import { readTables, readUris } from "../../src/sql/reads";

const table: TableRef = { database: "silver", name: "car_telemetry" };

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

describe("readTables", () => {
  it("lists every table a statement reads by name, through WITH, joins, scalar subqueries and EXISTS", () => {
    // Prepare
    const gold: TableRef = { database: "gold", name: "car_monthly" };
    const stale: TableRef = { database: "gold", name: "stale" };
    const recomputed: Query = { kind: "select", columns: "*", from: { kind: "table", table } };
    const body: Query = {
      kind: "select",
      columns: [
        {
          expr: {
            kind: "subquery",
            query: { kind: "select", columns: [{ expr: lit(1) }], from: { kind: "table", table: stale } },
          },
          as: "n",
        },
      ],
      from: {
        kind: "leftJoin",
        left: { kind: "cte", name: "r" },
        right: { kind: "table", table: gold, alias: "g" },
        on: binary(column("r", "car"), "=", column("g", "car")),
      },
      where: not({
        kind: "exists",
        query: { kind: "select", columns: "*", from: { kind: "files", table, uris: ["s3://b/1"] } },
      }),
    };
    // Act
    const tables = readTables({
      kind: "merge",
      into: gold,
      alias: "t",
      using: {
        kind: "subquery",
        query: { kind: "with", queries: [{ name: "r", query: recomputed }], body },
        alias: "s",
      },
      on: lit(true),
      clauses: [{ when: "matched", action: "delete" }],
    });
    // Assess
    expect(tables).toEqual([gold, table, gold, stale]);
  });

  it("lists none for DDL", () => {
    // Act
    const tables = readTables({ kind: "createSchema", database: "gold" });
    // Assess
    expect(tables).toEqual([]);
  });
});
