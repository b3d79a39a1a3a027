import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { HiveSQL, TrinoSQL } from "dt-sql-parser";
import { afterEach, describe, expect, it } from "vitest";
import { athenaEngine } from "../../src/engine/athena";
import { athenaCatalog, swapStatements } from "../../src/silver/athena-catalog";
import { CatalogError } from "../../src/silver/errors";
import { renderAthena } from "../../src/sql/athena";

const athena = mockClient(AthenaClient);
const table = { database: "medallion_silver", name: "car_telemetry" };
const day = (d: number) => ({ event_year: 2024, event_month: 1, event_day: d });
const catalog = () =>
  athenaCatalog({
    engine: athenaEngine({
      client: new AthenaClient({ region: "us-east-1" }),
      workGroup: "wg",
      sleep: async () => undefined,
    }),
  });
const located = (rows: [number, string][]) => ({
  ResultSet: {
    ResultSetMetadata: {
      ColumnInfo: ["event_year", "event_month", "event_day", "path"].map((Name) => ({ Name, Type: "varchar" })),
    },
    Rows: [
      ["event_year", "event_month", "event_day", "path"],
      ...rows.map(([d, path]) => ["2024", "1", String(d), path]),
    ].map((r) => ({ Data: r.map((VarCharValue) => ({ VarCharValue })) })),
  },
});

describe("athenaCatalog", () => {
  afterEach(() => athena.reset());

  it("locates partitions from the path of their files, undefined where there are none", async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q" });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { StatementType: "DML", Status: { State: "SUCCEEDED" } } });
    athena
      .on(GetQueryResultsCommand)
      .resolves(located([[2, "s3://silver/car_telemetry/_v=a/event_year=2024/event_month=1/event_day=2/part-0"]]));
    // Act
    const locations = await catalog().locate(table, [day(1), day(2)]);
    // Assess
    expect(locations).toEqual([undefined, "s3://silver/car_telemetry/_v=a/event_year=2024/event_month=1/event_day=2/"]);
    const sql = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input.QueryString!;
    expect(new TrinoSQL().validate(sql)).toEqual([]);
    expect(sql).toContain('min("$path") AS "path"');
  });

  it("sets the location of existing partitions and adds new ones, with valid Hive DDL", async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q" });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { StatementType: "DML", Status: { State: "SUCCEEDED" } } });
    athena.on(GetQueryResultsCommand).resolves(located([[1, "s3://silver/old/part-0"]]));
    // Act
    await catalog().swap(table, [
      { values: day(1), location: "s3://silver/new/1/" },
      { values: day(2), location: "s3://silver/new/2/" },
    ]);
    // Assess
    const ddl = athena
      .commandCalls(StartQueryExecutionCommand)
      .slice(1)
      .map((c) => c.args[0].input.QueryString!);
    expect(ddl).toHaveLength(2);
    expect(ddl[0]).toContain(
      "PARTITION (`event_year` = 2024, `event_month` = 1, `event_day` = 1) SET LOCATION 's3://silver/new/1/'",
    );
    expect(ddl[1]).toContain(
      "ADD IF NOT EXISTS PARTITION (`event_year` = 2024, `event_month` = 1, `event_day` = 2) LOCATION 's3://silver/new/2/'",
    );
    for (const sql of ddl) expect(new HiveSQL().validate(sql)).toEqual([]);
  });

  it("wraps a failed lookup in a CatalogError naming the table", async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q" });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: "FAILED", StateChangeReason: "TABLE_NOT_FOUND" } } });
    // Act + Assess
    await expect(catalog().locate(table, [day(1)])).rejects.toThrow(CatalogError);
    await expect(catalog().locate(table, [day(1)])).rejects.toThrow(/medallion_silver\.car_telemetry.*TABLE_NOT_FOUND/);
  });
});

describe("swapStatements", () => {
  it("adds new partitions in batches of at most 100", () => {
    // Prepare
    const partitions = Array.from({ length: 250 }, (_, i) => ({
      values: { event_year: 2000 + Math.floor(i / 12), event_month: (i % 12) + 1, event_day: 1 },
      location: `s3://s/${i}/`,
    }));
    // Act
    const statements = swapStatements(
      table,
      partitions,
      partitions.map(() => false),
    );
    // Assess
    expect(statements.map((s) => (s.kind === "addPartitions" ? s.partitions.length : 0))).toEqual([100, 100, 50]);
    expect(() => statements.map(renderAthena)).not.toThrow();
  });
});
