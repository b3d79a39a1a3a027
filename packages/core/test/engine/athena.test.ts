import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  TooManyRequestsException,
} from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { athenaEngine } from "../../src/engine/athena";
import { QueryCancelledError, QueryFailedError, QueryTimeoutError } from "../../src/engine/errors";
import { selectColumns } from "../../src/sql/ast";

const athena = mockClient(AthenaClient);
const sleeps: number[] = [];
const engine = (options: Partial<Parameters<typeof athenaEngine>[0]> = {}) =>
  athenaEngine({
    client: new AthenaClient({ region: "us-east-1" }),
    workGroup: "medallion",
    database: "silver",
    sleep: async (ms) => void sleeps.push(ms),
    ...options,
  });
const carsAndKm = selectColumns({ database: "silver", name: "t" }, ["car", "km"]);
const state = (State: "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED", extra: object = {}) => ({
  QueryExecution: { QueryExecutionId: "q-1", StatementType: "DML" as const, Status: { State, ...extra } },
});
const page = (rows: string[][], NextToken?: string, header = false) => ({
  NextToken,
  ResultSet: {
    ResultSetMetadata: {
      ColumnInfo: [
        { Name: "car", Type: "varchar" },
        { Name: "km", Type: "double" },
      ],
    },
    Rows: [...(header ? [["car", "km"]] : []), ...rows].map((r) => ({
      Data: r.map((VarCharValue) => ({ VarCharValue })),
    })),
  },
});

describe("athenaEngine", () => {
  afterEach(() => {
    athena.reset();
    sleeps.length = 0;
  });

  it("starts the query in the workgroup, polls with growing delays, and returns rows without the header", async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(state("QUEUED"))
      .resolvesOnce(state("RUNNING"))
      .resolves({
        QueryExecution: {
          ...state("SUCCEEDED").QueryExecution,
          Statistics: { DataScannedInBytes: 4096, EngineExecutionTimeInMillis: 321 },
        },
      });
    athena.on(GetQueryResultsCommand).resolves(page([["A", "12000"]], undefined, true));
    // Act
    const result = await engine().run(carsAndKm);
    // Assess: the rows, and what the query scanned and took (what the run's cost is priced from).
    expect(result).toEqual({
      columns: ["car", "km"],
      rows: [{ car: "A", km: "12000" }],
      statistics: { scannedBytes: 4096, engineMs: 321 },
    });
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: 'SELECT "car", "km" FROM "silver"."t"',
      WorkGroup: "medallion",
      QueryExecutionContext: { Catalog: "AwsDataCatalog", Database: "silver" },
    });
    expect(sleeps).toEqual([250, 500]);
  });

  it("reports the rows an UNLOAD wrote, as Athena's UpdateCount gives them", async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena.on(GetQueryExecutionCommand).resolves(state("SUCCEEDED"));
    athena.on(GetQueryResultsCommand).resolves({ ...page([]), UpdateCount: 1_234 });
    // Act
    const query = {
      kind: "select",
      columns: "*",
      from: { kind: "table", table: { database: "silver", name: "t" } },
    } as const;
    const result = await engine().run({ kind: "unload", query, to: "s3://silver/t/_v=1/", partitionedBy: [] });
    // Assess
    expect(result.rowsWritten).toBe(1_234);
  });

  it("runs every query in the catalog and database it is given, never Athena's default", async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena.on(GetQueryExecutionCommand).resolves(state("SUCCEEDED"));
    athena.on(GetQueryResultsCommand).resolves(page([]));
    // Act
    await engine({ database: "medallion_prod_gold", catalog: "Shared" }).run(carsAndKm);
    // Assess
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input.QueryExecutionContext).toEqual({
      Catalog: "Shared",
      Database: "medallion_prod_gold",
    });
  });

  it("reads every page of the results", async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena.on(GetQueryExecutionCommand).resolves(state("SUCCEEDED"));
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce(page([["A", "1"]], "t-2", true))
      .resolvesOnce(page([["B", "2"]], "t-3"))
      .resolves(page([["C", "3"]]));
    // Act
    const { rows } = await engine().run(carsAndKm);
    // Assess
    expect(rows.map((r) => r.car)).toEqual(["A", "B", "C"]);
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      "t-2",
      "t-3",
    ]);
  });

  it("raises a failed query with Athena's reason verbatim", async () => {
    // Prepare
    const reason = "HIVE_BAD_DATA: Field km's type BINARY in parquet file s3://x is incompatible with type double";
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena.on(GetQueryExecutionCommand).resolves(state("FAILED", { StateChangeReason: reason }));
    // Act
    const error = await engine()
      .run(carsAndKm)
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(QueryFailedError);
    expect(error).toMatchObject({ name: "QueryFailedError", reason, queryExecutionId: "q-1" });
    expect((error as Error).message).toContain(reason);
  });

  it("raises a cancelled query as QueryCancelledError", async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena.on(GetQueryExecutionCommand).resolves(state("CANCELLED", { StateChangeReason: "Query cancelled by user" }));
    // Act + Assess
    await expect(engine().run(carsAndKm)).rejects.toMatchObject({
      name: "QueryCancelledError",
      reason: "Query cancelled by user",
    });
    await expect(engine().run(carsAndKm)).rejects.toBeInstanceOf(QueryCancelledError);
  });

  it("retries throttled calls, then succeeds", async () => {
    // Prepare
    const throttled = () => new TooManyRequestsException({ message: "Rate exceeded", $metadata: {} });
    athena
      .on(StartQueryExecutionCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ QueryExecutionId: "q-1" });
    athena.on(GetQueryExecutionCommand).rejectsOnce(throttled()).resolves(state("SUCCEEDED"));
    athena.on(GetQueryResultsCommand).resolves(page([], undefined, true));
    // Act
    const result = await engine().run(carsAndKm);
    // Assess
    expect(result.rows).toEqual([]);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(2);
  });

  it("gives up on throttling after the last attempt, with the SDK's error", async () => {
    // Prepare
    athena
      .on(StartQueryExecutionCommand)
      .rejects(new TooManyRequestsException({ message: "Rate exceeded", $metadata: {} }));
    // Act + Assess
    await expect(engine({ maxAttempts: 3 }).run(carsAndKm)).rejects.toThrow("Rate exceeded");
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
  });

  it("stops waiting after its timeout, naming the query", async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena.on(GetQueryExecutionCommand).resolves(state("RUNNING"));
    // Act + Assess
    await expect(engine({ timeoutMs: 1_000 }).run(carsAndKm)).rejects.toThrow(QueryTimeoutError);
  });

  it("renders statement trees in the Trino dialect", async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena.on(GetQueryExecutionCommand).resolves(state("SUCCEEDED"));
    athena.on(GetQueryResultsCommand).resolves(page([], undefined, true));
    // Act
    await engine().run({
      kind: "query",
      query: {
        kind: "select",
        columns: "*",
        from: { kind: "table", table: { database: "silver", name: "car_telemetry" } },
      },
    });
    // Assess
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input.QueryString).toBe(
      'SELECT * FROM "silver"."car_telemetry"',
    );
  });
});
