import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { listPending } from "@medallion/core/ledger";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { lambdaContext } from "@medallion/testing/lambda";
import { landBronze, reading } from "@medallion/testing/silver";
import { mockClient } from "aws-sdk-client-mock";
import { TrinoSQL } from "dt-sql-parser";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const athena = mockClient(AthenaClient);

// Athena answers every query: no partition exists yet, every DDL succeeds.
function athenaWithEmptyCatalog(): void {
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q" });
  athena
    .on(GetQueryExecutionCommand)
    .resolves({ QueryExecution: { StatementType: "DML", Status: { State: "SUCCEEDED" } } });
  athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
}

describe("silver handlers on AWS wiring (Athena mocked, S3 and DynamoDB embedded)", () => {
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
  afterEach(() => athena.reset());
  afterAll(async () => {
    delete process.env.SST_RESOURCE_SilverCatalog;
    await lake.close();
  });

  it("plans a consolidation and hands the state machine valid Athena SQL to run", async () => {
    // Prepare
    athenaWithEmptyCatalog();
    await landBronze(lake, { name: "plan-1", readings: [reading({ metricTimestamp: "2024-03-02T10:00:00Z" })] });
    // Act
    const plan = await silver.plan({ dataset: "car_telemetry" }, lambdaContext("silver-plan"));
    // Assess
    expect(plan.partitions).toEqual([
      {
        values: { event_year: 2024, event_month: 3, event_day: 2 },
        location: `s3://${lake.names.Silver}/car_telemetry/_v=${plan.version}/event_year=2024/event_month=3/event_day=2/`,
      },
    ]);
    expect(plan.files).toEqual([
      {
        dataset: "car_telemetry",
        file_id: expect.stringContaining("plan-1.json#"),
        bronze_key: expect.stringContaining("plan-1-"),
      },
    ]);
    expect(plan.queries).toHaveLength(1);
    const inner = /^UNLOAD \((.*)\) TO '(.*)' WITH/.exec(plan.queries[0]!);
    expect(inner?.[2]).toBe(`s3://${lake.names.Silver}/car_telemetry/_v=${plan.version}/`);
    expect(new TrinoSQL().validate(inner![1]!)).toEqual([]);
    expect(inner![1]).toContain('FROM "medallion_bronze"."car_telemetry" WHERE');
  });

  it("commits a written version: adds the partition in Athena, then finish marks the ledger", async () => {
    // Prepare: the plan, and the version its statement writes (Athena's UNLOAD, mocked here).
    athenaWithEmptyCatalog();
    const plan = await silver.plan({ dataset: "car_telemetry" }, lambdaContext("silver-plan"));
    const key = `${plan.partitions[0]!.location.replace(`s3://${lake.names.Silver}/`, "")}part-0.parquet`;
    const file = parquetWriteBuffer({ columnData: [{ name: "carChassis", data: ["CHASSIS-1"], type: "STRING" }] });
    await lake.s3.send(new PutObjectCommand({ Bucket: lake.names.Silver, Key: key, Body: new Uint8Array(file) }));
    // Act
    const summary = await silver.commit(plan, lambdaContext("silver-commit"));
    const pendingAfterCommit = await listPending(lake.doc, lake.names.Ledger!, "car_telemetry");
    const finished = await silver.finish(plan, lambdaContext("silver-finish"));
    // Assess
    const ddl = athena
      .commandCalls(StartQueryExecutionCommand)
      .map((c) => c.args[0].input.QueryString!)
      .filter((q) => q.startsWith("ALTER"));
    expect(ddl).toEqual([
      `ALTER TABLE \`medallion_silver\`.\`car_telemetry\` ADD IF NOT EXISTS PARTITION (\`event_year\` = 2024, \`event_month\` = 3, \`event_day\` = 2) LOCATION '${plan.partitions[0]!.location}'`,
    ]);
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
    athenaWithEmptyCatalog();
    await landBronze(lake, { name: "plan-2", readings: [reading({ metricTimestamp: "2024-03-03T10:00:00Z" })] });
    const plan = await silver.plan({ dataset: "car_telemetry" }, lambdaContext("silver-plan"));
    athena.resetHistory();
    // Act + Assess
    await expect(silver.commit(plan, lambdaContext("silver-commit"))).rejects.toMatchObject({
      name: "VersionMismatchError",
    });
    expect(athena.commandCalls(StartQueryExecutionCommand)).toEqual([]);
    expect(await listPending(lake.doc, lake.names.Ledger!, "car_telemetry")).toHaveLength(1);
  });

  it("refuses a commit whose event is not a plan as the state machine carries it, naming the fields", async () => {
    // Act + Assess
    await expect(
      silver.commit({ dataset: "car_telemetry", version: null }, lambdaContext("silver-commit")),
    ).rejects.toMatchObject({ name: "InvalidEventError", message: expect.stringMatching(/files: .*queries: /) });
  });

  it("names the dataset it does not know", async () => {
    // Act + Assess
    await expect(silver.plan({ dataset: "nope" }, lambdaContext("silver-plan"))).rejects.toThrow(
      /unknown dataset nope/,
    );
  });
});
