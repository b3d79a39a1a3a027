import { AthenaClient, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import {
  BatchCreatePartitionCommand,
  BatchGetPartitionCommand,
  BatchUpdatePartitionCommand,
  GetTableCommand,
  GlueClient,
} from "@aws-sdk/client-glue";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { listPending } from "@medallion/core/ledger";
import { loadSilverPlan } from "@medallion/core/silver";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { lambdaContext } from "@medallion/testing/lambda";
import { landBronze, reading } from "@medallion/testing/silver";
import { mockClient } from "aws-sdk-client-mock";
import { TrinoSQL } from "dt-sql-parser";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const athena = mockClient(AthenaClient);
const glue = mockClient(GlueClient);

// Glue holds the silver table and no partition yet; every batch write succeeds.
function glueWithEmptyTable(): void {
  glue.on(GetTableCommand).resolves({
    Table: {
      Name: "car_telemetry",
      DatabaseName: "medallion_silver",
      PartitionKeys: [{ Name: "event_year" }, { Name: "event_month" }, { Name: "event_day" }],
      StorageDescriptor: { Location: "s3://silver/car_telemetry/", Columns: [{ Name: "carChassis", Type: "string" }] },
    },
  });
  glue.on(BatchGetPartitionCommand).resolves({ Partitions: [] });
  glue.on(BatchCreatePartitionCommand).resolves({ Errors: [] });
  glue.on(BatchUpdatePartitionCommand).resolves({ Errors: [] });
}

describe("silver handlers on AWS wiring (Glue and Athena mocked, S3 and DynamoDB embedded)", () => {
  let lake: TestLake;
  let silver: typeof import("../src/silver");
  beforeAll(async () => {
    lake = await startTestLake({ applyEnv: true });
    process.env.SST_RESOURCE_SilverCatalog = JSON.stringify({
      bronzeDatabase: "medallion_bronze",
      silverDatabase: "medallion_silver",
      workGroup: "medallion",
    });
    silver = await import("../src/silver");
  });
  afterEach(() => {
    athena.reset();
    glue.reset();
  });
  afterAll(async () => {
    delete process.env.SST_RESOURCE_SilverCatalog;
    await lake.close();
  });

  it("stores the plan and hands the state machine its key, its database and valid Athena SQL per statement", async () => {
    // Prepare
    glueWithEmptyTable();
    await landBronze(lake, { name: "plan-1", readings: [reading({ metricTimestamp: "2024-03-02T10:00:00Z" })] });
    // Act
    const payload = await silver.plan({ dataset: "car_telemetry" }, lambdaContext("silver-plan"));
    const plan = await loadSilverPlan({ s3: lake.s3, bucket: lake.names.Silver!, key: payload.plan_key });
    const { sql } = await silver.query({ plan_key: payload.plan_key, index: 0 }, lambdaContext("silver-query"));
    // Assess
    expect(payload).toMatchObject({ database: "medallion_silver", file_count: 1, partition_count: 1, queries: [0] });
    expect(plan.partitions).toEqual([
      {
        values: { event_year: 2024, event_month: 3, event_day: 2 },
        location: `s3://${lake.names.Silver}/car_telemetry/_v=${plan.version}/q0/event_year=2024/event_month=3/event_day=2/`,
      },
    ]);
    expect(plan.files).toEqual([
      {
        dataset: "car_telemetry",
        file_id: expect.stringContaining("plan-1.json#"),
        bronze_key: expect.stringContaining("plan-1-"),
        // The days its rows fall in, which finish records in the ledger.
        partition_days: [20240302],
      },
    ]);
    const inner = /^UNLOAD \((.*)\) TO '(.*)' WITH/.exec(sql);
    expect(inner?.[2]).toBe(`s3://${lake.names.Silver}/car_telemetry/_v=${plan.version}/q0/`);
    expect(new TrinoSQL().validate(inner![1]!)).toEqual([]);
    expect(inner![1]).toContain('FROM "medallion_bronze"."car_telemetry" WHERE');
    // Planning reads the catalog through Glue, not through an Athena query.
    expect(glue.commandCalls(BatchGetPartitionCommand)).toHaveLength(1);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toEqual([]);
  });

  it("commits a written version with one Glue batch call, then finish marks the ledger", async () => {
    // Prepare: the plan, and the version its statement writes (Athena's UNLOAD, not run here).
    glueWithEmptyTable();
    const payload = await silver.plan({ dataset: "car_telemetry" }, lambdaContext("silver-plan"));
    const plan = await loadSilverPlan({ s3: lake.s3, bucket: lake.names.Silver!, key: payload.plan_key });
    const key = `${plan.partitions[0]!.location.replace(`s3://${lake.names.Silver}/`, "")}part-0.parquet`;
    const file = parquetWriteBuffer({ columnData: [{ name: "carChassis", data: ["CHASSIS-1"], type: "STRING" }] });
    await lake.s3.send(new PutObjectCommand({ Bucket: lake.names.Silver, Key: key, Body: new Uint8Array(file) }));
    // Act
    // As the query state reports the UNLOAD: the one row it wrote.
    const summary = await silver.commit(
      { plan: payload, queries: [{ Written: { Rows: 1 } }] },
      lambdaContext("silver-commit"),
    );
    const pendingAfterCommit = await listPending(lake.doc, lake.names.Ledger!, "car_telemetry");
    const finished = await silver.finish(payload, lambdaContext("silver-finish"));
    // Assess
    const created = glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input);
    expect(created).toEqual([
      {
        DatabaseName: "medallion_silver",
        TableName: "car_telemetry",
        PartitionInputList: [
          {
            Values: ["2024", "3", "2"],
            StorageDescriptor: {
              Location: plan.partitions[0]!.location,
              Columns: [{ Name: "carChassis", Type: "string" }],
            },
          },
        ],
      },
    ]);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toEqual([]);
    expect(summary).toMatchObject({
      version: plan.version,
      files: plan.files.length,
      partitionsRewritten: 1,
      rowsOut: 1,
    });
    expect(pendingAfterCommit).toHaveLength(plan.files.length);
    expect(finished).toMatchObject({ version: plan.version, filesConsolidated: plan.files.length });
    expect(await listPending(lake.doc, lake.names.Ledger!, "car_telemetry")).toEqual([]);
  });

  it("refuses to commit a version that does not hold its planned partitions, leaving the catalog alone", async () => {
    // Prepare
    glueWithEmptyTable();
    await landBronze(lake, { name: "plan-2", readings: [reading({ metricTimestamp: "2024-03-03T10:00:00Z" })] });
    const payload = await silver.plan({ dataset: "car_telemetry" }, lambdaContext("silver-plan"));
    glue.resetHistory();
    // Act + Assess
    await expect(
      silver.commit({ plan: payload, queries: [{ Written: { Rows: 1 } }] }, lambdaContext("silver-commit")),
    ).rejects.toMatchObject({
      name: "VersionMismatchError",
    });
    expect(glue.commandCalls(BatchCreatePartitionCommand)).toEqual([]);
    expect(glue.commandCalls(BatchUpdatePartitionCommand)).toEqual([]);
    expect(await listPending(lake.doc, lake.names.Ledger!, "car_telemetry")).toHaveLength(1);
  });

  it("refuses a commit whose event is not a plan as the state machine carries it, naming the fields", async () => {
    // Act + Assess
    await expect(
      silver.commit({ plan: { dataset: "car_telemetry", version: null } }, lambdaContext("silver-commit")),
    ).rejects.toMatchObject({
      name: "InvalidEventError",
      message: expect.stringMatching(/plan\.plan_key: .*plan\.queries: .*queries: /),
    });
  });

  it("names the dataset it does not know", async () => {
    // Act + Assess
    await expect(silver.plan({ dataset: "nope" }, lambdaContext("silver-plan"))).rejects.toThrow(
      /unknown dataset nope/,
    );
  });
});
