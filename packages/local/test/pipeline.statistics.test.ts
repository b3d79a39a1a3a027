import { athenaStatisticsSchema } from "@medallion/core/cost";
import { pipelineDefinition, pipelineStates as S } from "@medallion/stacks/pipeline";
import { StateMachine } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import * as z from "zod";

// The pipeline's ASL as Step Functions runs it, its Athena states answered as Athena's
// startQueryExecution.sync answers (a whole QueryExecution), its Lambda states by stand-ins that
// return what the functions return: what reaches the states that record the journey's steps.
const definition = pipelineDefinition({
  functionArns: Object.fromEntries(
    Object.keys(S).map((name) => [name, `arn:aws:lambda:us-east-1:123456789012:function:${name}`]),
  ) as never,
  athenaWorkGroup: "primary",
});

// Athena's QueryExecution, with the fields a state must not keep (the query text, its result location).
const queryExecution = (id: string, scanned: number, engineMs: number) => ({
  QueryExecution: {
    QueryExecutionId: id,
    Query: `SELECT ${"x, ".repeat(2_000)}1`,
    StatementType: "DML",
    ResultConfiguration: { OutputLocation: `s3://results/${id}.csv` },
    Status: { State: "SUCCEEDED", SubmissionDateTime: "2026-11-25T10:00:00Z" },
    Statistics: {
      EngineExecutionTimeInMillis: engineMs,
      DataScannedInBytes: scanned,
      TotalExecutionTimeInMillis: engineMs + 40,
      QueryQueueTimeInMillis: 12,
    },
    WorkGroup: "primary",
  },
});

describe("the pipeline's Athena states", () => {
  it("carry each query's DataScannedInBytes and engine time (and a silver query's rows written), nothing else of it", async () => {
    // Prepare: a plan of two silver queries, a gold plan of a MERGE then a count whose rows are read.
    const recorded: Record<string, unknown> = {};
    const at = "2026-11-25T10:00:00.000Z";
    let athenaCalls = 0;
    const athena = async () => {
      athenaCalls++;
      return queryExecution(`q${athenaCalls}`, athenaCalls * 1_000_000, athenaCalls * 100) as never;
    };
    const handlers: Record<string, (event: never) => Promise<never>> = {
      [S.ResolveWindow]: async () =>
        ({ idempotencyKey: "k", kind: "hourly", from: at, to: at, rebuild: null }) as never,
      [S.StartJourney]: async () => ({ journey_id: "j", run_id: "r", duplicate: false }) as never,
      [S.AcquireDatasetLock]: async () => ({}) as never,
      [S.CheckSchema]: async () => ({ version: 1, checked_at: at }) as never,
      [S.RecordSchemaStep]: async () => ({}) as never,
      [S.PlanSilver]: async () =>
        ({
          file_count: 1,
          version: "v1",
          queries: [0, 1],
          plan_key: "plans/p",
          database: "silver",
          planned_at: at,
          more: false,
        }) as never,
      [S.RenewSilverLeases]: async () => ({}) as never,
      [S.RenewLeasesAfterSilver]: async () => ({}) as never,
      [S.LoadSilverQuery]: async () => ({ sql: "INSERT INTO silver SELECT 1" }) as never,
      [S.RunSilverQuery]: athena,
      // An UNLOAD's result: no rows, the rows it wrote as UpdateCount.
      [S.GetSilverRowsWritten]: async (event: { QueryExecutionId: string }) =>
        ({ ResultSet: { Rows: [] }, UpdateCount: Number(event.QueryExecutionId.slice(1)) * 10 }) as never,
      [S.CommitSilver]: async (event) => {
        recorded.commit = event;
        return { version: "v1", rowsIn: 1, rowsOut: 1 } as never;
      },
      [S.RecordSilverStep]: async (event) => {
        recorded.silver = event;
        return {} as never;
      },
      [S.PlanGold]: async () => ({ plan_key: "plans/g", database: "gold", steps: [0, 1] }) as never,
      [S.RenewGoldLeases]: async () => ({}) as never,
      [S.RenewLeasesAfterGold]: async () => ({}) as never,
      [S.LoadGoldQuery]: async (event: { index: number }) =>
        (event.index === 0
          ? { sql: "MERGE INTO t", kind: "merge", reads: false, max_rows: 1 }
          : { sql: "SELECT count(*)", kind: "count", reads: true, max_rows: 2 }) as never,
      [S.RunGoldMerge]: athena,
      [S.RunGoldQuery]: athena,
      [S.GetGoldQueryResults]: async () => ({ ResultSet: { Rows: [] } }) as never,
      [S.RecordGoldResult]: async () => ({ rows: 0 }) as never,
      [S.FinishGold]: async (event) => {
        recorded.gold = event;
        return {} as never;
      },
      [S.FinishSilver]: async () => ({}) as never,
      [S.ReleaseDatasetLock]: async () => ({}) as never,
      [S.CompleteJourney]: async () => ({}) as never,
    };
    const machine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
    // Act
    const execution = machine.run(
      { dataset: "orders" },
      {
        context: { Execution: { Id: "arn:exec", Name: "exec", StartTime: at } } as never,
        overrides: { taskResourceLocalHandlers: handlers as never },
      },
    );
    await execution.result;
    // Assess: each statement's statistics, in the plan's order, and only those two fields (and
    // for a silver query, the rows it wrote, which the commit sums).
    expect(athenaCalls).toBe(4);
    const silver = recorded.silver as { queries: unknown[] };
    expect(silver.queries).toEqual([
      { DataScannedInBytes: 1_000_000, EngineExecutionTimeInMillis: 100, Written: { Rows: 10 } },
      { DataScannedInBytes: 2_000_000, EngineExecutionTimeInMillis: 200, Written: { Rows: 20 } },
    ]);
    expect(recorded.commit).toMatchObject({ plan: { plan_key: "plans/p" }, queries: silver.queries });
    const gold = recorded.gold as { queries: unknown[] };
    expect(gold.queries).toEqual([
      { DataScannedInBytes: 3_000_000, EngineExecutionTimeInMillis: 300 },
      { DataScannedInBytes: 4_000_000, EngineExecutionTimeInMillis: 400 },
    ]);
    for (const query of gold.queries) expect(() => athenaStatisticsSchema.strict().parse(query)).not.toThrow();
    for (const query of silver.queries)
      expect(() =>
        athenaStatisticsSchema
          .extend({ Written: z.object({ Rows: z.number() }) })
          .strict()
          .parse(query),
      ).not.toThrow();
  });
});
