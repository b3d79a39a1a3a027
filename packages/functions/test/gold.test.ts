import type { StartQueryExecutionCommandInput } from "@aws-sdk/client-athena";
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { getCongregado } from "@medallion/core/congregado";
import type { DatasetSpec } from "@medallion/core/dataset";
import { carTelemetry } from "@medallion/core/dataset";
import { athenaEngine } from "@medallion/core/engine";
import { getJourney } from "@medallion/core/journey";
import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import type { MemoryEngine } from "@medallion/testing/gold";
import { createSilver, memoryEngine, putSilver } from "@medallion/testing/gold";
import { lambdaContext } from "@medallion/testing/lambda";
import { mockClient } from "aws-sdk-client-mock";
import { HiveSQL, TrinoSQL } from "dt-sql-parser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { carTelemetryGold } from "../../core/src/dataset/car-telemetry-gold";

const athena = mockClient(AthenaClient);
const { gold: _none, ...withoutGold } = carTelemetry as DatasetSpec & { gold?: unknown };
const datasets: Record<string, DatasetSpec> = {
  car_telemetry: { ...withoutGold, gold: carTelemetryGold } as DatasetSpec,
  plain: { ...withoutGold, name: "plain" },
};

/** Fake Athena: records every query; the MERGE counts query answers `counts`, every other query no rows. */
function scriptedAthena(counts: { source_rows: string; matched: string; changed: string }): string[] {
  const queries: string[] = [];
  athena.on(StartQueryExecutionCommand).callsFake((input: StartQueryExecutionCommandInput) => {
    queries.push(input.QueryString!);
    return { QueryExecutionId: String(queries.length - 1) };
  });
  athena
    .on(GetQueryExecutionCommand)
    .resolves({ QueryExecution: { StatementType: "DML", Status: { State: "SUCCEEDED" } } });
  athena.on(GetQueryResultsCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => {
    const sql = queries[Number(QueryExecutionId)]!;
    if (!sql.startsWith('SELECT count(*) AS "source_rows"'))
      return { ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } };
    const names = Object.keys(counts) as (keyof typeof counts)[];
    return {
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: names.map((Name) => ({ Name })) },
        Rows: [
          { Data: names.map((VarCharValue) => ({ VarCharValue })) },
          { Data: names.map((name) => ({ VarCharValue: counts[name] })) },
        ],
      },
    };
  });
  return queries;
}

describe("gold handlers", () => {
  let dynamo: TestDynamo;
  let gold: typeof import("../src/gold");
  let duck: MemoryEngine;
  beforeAll(async () => {
    dynamo = await startTestDynamo({ applyEnv: true });
    gold = await import("../src/gold");
    duck = await memoryEngine();
    await createSilver(duck);
  });
  afterEach(() => athena.reset());
  afterAll(async () => {
    duck.close();
    await dynamo.close();
  });

  const handlers = (
    engine: import("@medallion/core/engine").SqlEngine,
    extra: { database?: string; warehouse?: string } = {},
    journeyTable?: string,
  ) =>
    gold.goldHandlers(() => ({
      engine,
      datasets,
      silverTable: (dataset) => ({
        database: engine.dialect === "athena" ? "medallion_silver" : "silver",
        name: dataset,
      }),
      doc: dynamo.doc,
      congregadoTable: dynamo.tableName("Congregado"),
      ...(journeyTable ? { journeyTable } : {}),
      ...extra,
    }));

  it("merges the silver plan's partitions into gold and reports rows inserted and updated per table", async () => {
    // Prepare
    const values = await putSilver(duck, [
      { car: "A", at: "2024-01-05T08:00:00", mileage: 1000 },
      { car: "B", at: "2024-01-06T08:00:00", mileage: 2000, manufacturer: "Honda" },
    ]);
    const partitions = values.map((v) => ({ values: v, location: "s3://silver/ignored/" }));
    // Act
    const summary = await handlers(duck).merge({ dataset: "car_telemetry", partitions }, lambdaContext("gold-merge"));
    // Assess
    expect(summary.tables).toMatchObject([
      {
        table: "gold.car_monthly",
        inserted: 2,
        updated: 0,
        rowCount: 2,
        congregado: { id: "gold_car_monthly", status: "created" },
      },
      {
        table: "gold.manufacturer_daily",
        inserted: 2,
        updated: 0,
        rowCount: 2,
        congregado: { id: "gold_manufacturer_daily", status: "created" },
      },
    ]);
    expect(
      await getCongregado({ doc: dynamo.doc, table: dynamo.tableName("Congregado"), id: "gold_car_monthly" }),
    ).toMatchObject({ record_count: 2 });
  });

  it("records each gold table's merge as a step of the run's journey", async () => {
    // Prepare
    const journey = await import("../src/journey");
    const started = await journey.start({ idempotency_key: "gold#journey" }, lambdaContext("journey-start"));
    const values = await putSilver(duck, [{ car: "J", at: "2024-03-01T08:00:00", mileage: 10 }]);
    // Act
    await handlers(duck, {}, dynamo.tableName("JourneyControl")).merge(
      {
        dataset: "car_telemetry",
        partitions: values,
        journey_id: started.journey_id,
        run_id: started.run_id ?? undefined,
      },
      lambdaContext("gold-merge"),
    );
    // Assess
    const run = await getJourney({
      doc: dynamo.doc,
      table: dynamo.tableName("JourneyControl"),
      journeyId: started.journey_id,
    });
    expect(run?.steps.map((s) => [s.step, s.partition, s.message])).toEqual([
      ["gold", "gold.car_monthly", "1 inserted, 0 updated, 0 unchanged"],
      ["gold", "gold.manufacturer_daily", "1 inserted, 0 updated, 0 unchanged"],
    ]);
  });

  it("sends Athena an Iceberg DDL in the gold bucket and valid Trino statements for the MERGE", async () => {
    // Prepare
    const queries = scriptedAthena({ source_rows: "3", matched: "2", changed: "1" });
    const engine = athenaEngine({
      client: new AthenaClient({ region: "us-east-1" }),
      workGroup: "medallion",
      database: "medallion_gold",
      sleep: async () => undefined,
    });
    // Act
    const summary = await handlers(engine, { database: "medallion_gold", warehouse: "s3://gold-bucket/" }).merge(
      { dataset: "car_telemetry", partitions: [{ event_year: 2024, event_month: 1, event_day: 5 }] },
      lambdaContext("gold-merge"),
    );
    // Assess
    expect(
      summary.tables.map(({ table, inserted, updated, unchanged }) => ({ table, inserted, updated, unchanged })),
    ).toEqual([
      { table: "medallion_gold.car_monthly", inserted: 1, updated: 1, unchanged: 1 },
      { table: "medallion_gold.manufacturer_daily", inserted: 1, updated: 1, unchanged: 1 },
    ]);
    const [ddl] = queries;
    expect(ddl).toContain("CREATE TABLE IF NOT EXISTS `medallion_gold`.`car_monthly`");
    expect(ddl).toContain(
      "LOCATION 's3://gold-bucket/medallion_gold/car_monthly/' TBLPROPERTIES ('table_type' = 'ICEBERG'",
    );
    const ddls = queries.filter((sql) => sql.startsWith("CREATE TABLE"));
    const dml = queries.filter((sql) => !sql.startsWith("CREATE TABLE"));
    expect(ddls).toHaveLength(2);
    for (const sql of ddls) expect(new HiveSQL().validate(sql), sql).toEqual([]);
    for (const sql of dml) expect(new TrinoSQL().validate(sql), sql).toEqual([]);
    expect(dml.filter((sql) => sql.startsWith('MERGE INTO "medallion_gold".'))).toHaveLength(2);
  });

  it("runs OPTIMIZE then VACUUM on every gold table of a dataset", async () => {
    // Prepare
    const queries = scriptedAthena({ source_rows: "0", matched: "0", changed: "0" });
    const engine = athenaEngine({
      client: new AthenaClient({ region: "us-east-1" }),
      workGroup: "medallion",
      database: "medallion_gold",
      sleep: async () => undefined,
    });
    // Act
    const summary = await handlers(engine, { database: "medallion_gold" }).optimize(
      { dataset: "car_telemetry" },
      lambdaContext("gold-optimize"),
    );
    // Assess
    expect(summary).toHaveLength(2);
    expect(queries).toEqual([
      "OPTIMIZE medallion_gold.car_monthly REWRITE DATA USING BIN_PACK",
      "VACUUM medallion_gold.car_monthly",
      "OPTIMIZE medallion_gold.manufacturer_daily REWRITE DATA USING BIN_PACK",
      "VACUUM medallion_gold.manufacturer_daily",
    ]);
  });

  it("skips a dataset without gold tables, running nothing", async () => {
    // Prepare
    const queries = scriptedAthena({ source_rows: "0", matched: "0", changed: "0" });
    const engine = athenaEngine({
      client: new AthenaClient({ region: "us-east-1" }),
      workGroup: "medallion",
      database: "medallion_gold",
      sleep: async () => undefined,
    });
    // Act
    const merged = await handlers(engine).merge(
      { dataset: "plain", partitions: [{ event_year: 2024, event_month: 1, event_day: 5 }] },
      lambdaContext("gold-merge"),
    );
    const optimized = await handlers(engine).optimize({ dataset: "plain" }, lambdaContext("gold-optimize"));
    // Assess
    expect(merged).toEqual({ dataset: "plain", tables: [] });
    expect(optimized).toEqual([]);
    expect(queries).toEqual([]);
  });

  it("fails clearly for an unknown dataset", async () => {
    // Act
    const run = handlers(duck).merge({ dataset: "nope", partitions: [] }, lambdaContext("gold-merge"));
    // Assess
    await expect(run).rejects.toThrow(/unknown dataset nope; known: car_telemetry, plain/);
  });

  it("fails clearly on AWS wiring when the gold catalog is not linked", async () => {
    // Act
    const run = gold.merge({ dataset: "car_telemetry", partitions: [] }, lambdaContext("gold-merge"));
    // Assess
    await expect(run).rejects.toThrow(/GoldCatalog.*is not linked/);
  });
});
