import type { StartQueryExecutionCommandInput } from "@aws-sdk/client-athena";
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { EntityNotFoundException, GetTableCommand, GlueClient } from "@aws-sdk/client-glue";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { getCongregado } from "@medallion/core/congregado";
import type { DatasetSpec } from "@medallion/core/dataset";
import { carTelemetry } from "@medallion/core/dataset";
import type { SqlEngine } from "@medallion/core/engine";
import { athenaEngine } from "@medallion/core/engine";
import type { AthenaResultSet, GoldTable } from "@medallion/core/gold";
import {
  DuplicateSourceKeyError,
  engineGoldColumns,
  glueGoldColumns,
  goldColumns,
  loadGoldPlan,
} from "@medallion/core/gold";
import { getJourney } from "@medallion/core/journey";
import { applySchema, markTablesApplied, tablesSchemaVersion } from "@medallion/core/schema";
import { saveSilverPlan } from "@medallion/core/silver";
import { column } from "@medallion/core/sql";
import type { MemoryEngine } from "@medallion/testing/gold";
import { createSilver, memoryEngine, putSilver } from "@medallion/testing/gold";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { lambdaContext } from "@medallion/testing/lambda";
import { mockClient } from "aws-sdk-client-mock";
import { HiveSQL, TrinoSQL } from "dt-sql-parser";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { carTelemetryGold } from "../../core/src/dataset/car-telemetry-gold";

const athena = mockClient(AthenaClient);
// Glue, as PlanGold reads the gold tables' columns on AWS: none created unless a test says so.
const glue = mockClient(GlueClient);
const notCreated = () =>
  glue.on(GetTableCommand).rejects(new EntityNotFoundException({ message: "Entity Not Found", $metadata: {} }));
/** Glue's answer for an Iceberg table Athena created with these columns. */
const glueTable = (table: GoldTable, extra: string[] = []) => ({
  Table: {
    Name: table.name,
    StorageDescriptor: {
      Columns: [...goldColumns(table).map(({ name }) => name), ...extra].map((Name) => ({ Name, Type: "double" })),
    },
  },
});
const { gold: _none, ...withoutGold } = carTelemetry as DatasetSpec & { gold?: unknown };
const datasets: Record<string, DatasetSpec> = {
  car_telemetry: { ...withoutGold, gold: carTelemetryGold } as DatasetSpec,
  plain: { ...withoutGold, name: "plain" },
};

/** Fake Athena for maintenance: records every query, each succeeds with no rows. */
function scriptedAthena(): string[] {
  const queries: string[] = [];
  athena.on(StartQueryExecutionCommand).callsFake((input: StartQueryExecutionCommandInput) => {
    queries.push(input.QueryString!);
    return { QueryExecutionId: String(queries.length - 1) };
  });
  athena
    .on(GetQueryExecutionCommand)
    .resolves({ QueryExecution: { StatementType: "DDL", Status: { State: "SUCCEEDED" } } });
  athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
  return queries;
}

/** Rows as Athena's getQueryResults returns them: a header row, then every value as text. */
function resultSet(rows: Record<string, unknown>[], columns = Object.keys(rows[0] ?? {})): AthenaResultSet {
  const text = (value: unknown) => (value === null || value === undefined ? {} : { VarCharValue: String(value) });
  return {
    ResultSetMetadata: {
      ColumnInfo: columns.map((Name) => ({
        Name,
        Type: rows.every((row) => typeof row[Name] === "number" || row[Name] === null) ? "double" : "varchar",
      })),
    },
    Rows: [
      { Data: columns.map((VarCharValue) => ({ VarCharValue })) },
      ...rows.map((row) => ({ Data: columns.map((name) => text(row[name])) })),
    ],
  };
}

describe("gold handlers", () => {
  let lake: TestLake;
  let gold: typeof import("../src/gold");
  let duck: MemoryEngine;
  beforeAll(async () => {
    lake = await startTestLake({ applyEnv: true });
    gold = await import("../src/gold");
    duck = await memoryEngine();
    await createSilver(duck);
  });
  beforeEach(() => notCreated());
  afterEach(() => {
    athena.reset();
    glue.reset();
  });
  afterAll(async () => {
    duck.close();
    await lake.close();
  });

  const handlers = (
    engine: SqlEngine,
    extra: Partial<import("../src/gold").GoldDependencies> = { warehouse: "s3://gold-bucket/" },
  ) =>
    gold.goldHandlers(() => ({
      engine,
      datasets,
      silverTable: (dataset) => ({
        database: engine.dialect === "athena" ? "medallion_silver" : "silver",
        name: dataset,
      }),
      s3: lake.s3,
      planBucket: lake.names.Silver!,
      doc: lake.doc,
      congregadoTable: lake.names.Congregado!,
      journeyTable: lake.names.JourneyControl!,
      schemaVersionsTable: lake.names.SchemaVersions!,
      goldColumns:
        engine.dialect === "athena"
          ? glueGoldColumns({ glue: new GlueClient({ region: "us-east-1" }) })
          : engineGoldColumns({ engine }),
      ...extra,
    }));

  // A silver plan as PlanSilver stores it, rewriting these partitions.
  let plans = 0;
  const storedSilverPlan = async (dataset: string, values: Record<string, number>[]): Promise<string> =>
    saveSilverPlan({
      s3: lake.s3,
      bucket: lake.names.Silver!,
      plan: {
        dataset,
        version: `v${++plans}`,
        files: [],
        rowsIn: 0,
        rowsWithoutTimestamp: 0,
        partitions: values.map((v) => ({ values: v, location: "s3://silver/ignored/" })),
        statements: [],
        more: false,
      },
    });

  // The state machine's gold states, with the in-memory engine as Athena: each statement's
  // text from `query`, its tree run, and a reading statement's rows handed to `result`.
  async function runGold(
    h: ReturnType<typeof handlers>,
    dataset: string,
    silverPlanKey: string,
    journey?: { journey_id: string; run_id: string },
    engine: MemoryEngine = duck,
  ) {
    const payload = await h.plan({ dataset, plan_key: silverPlanKey }, lambdaContext("gold-plan"));
    const plan = await loadGoldPlan({ s3: lake.s3, bucket: lake.names.Silver!, key: payload.plan_key });
    const texts: string[] = [];
    for (const index of payload.steps) {
      const text = await h.query({ plan_key: payload.plan_key, index }, lambdaContext("gold-query"));
      texts.push(text.sql);
      const { rows, columns } = await engine.run(plan.steps[index]!.statement);
      if (text.reads)
        await h.result(
          { plan_key: payload.plan_key, index, result: resultSet(rows.slice(0, text.max_rows - 1), columns) },
          lambdaContext("gold-result"),
        );
    }
    const summary = await h.finish({ dataset, plan_key: payload.plan_key, ...journey }, lambdaContext("gold-finish"));
    return { payload, plan, texts, summary };
  }

  it("plans, runs statement by statement and finishes: rows inserted and updated per table, congregados saved", async () => {
    // Prepare
    const values = await putSilver(duck, [
      { car: "A", at: "2024-01-05T08:00:00", mileage: 1000 },
      { car: "B", at: "2024-01-06T08:00:00", mileage: 2000, manufacturer: "Honda" },
    ]);
    const key = await storedSilverPlan("car_telemetry", values);
    // Act
    const first = await runGold(handlers(duck), "car_telemetry", key);
    await putSilver(duck, [{ car: "A", at: "2024-01-05T18:00:00", mileage: 1500 }]);
    const second = await runGold(
      handlers(duck),
      "car_telemetry",
      await storedSilverPlan("car_telemetry", [values[0]!]),
    );
    // Assess
    expect(first.payload).toEqual({
      dataset: "car_telemetry",
      plan_key: key.replace(/\.json$/, ".gold.json"),
      database: "gold",
      steps: first.plan.steps.map((_, i) => i),
    });
    // Each table: created whole (none existed yet), so no column is added.
    const kinds = first.plan.steps.map((s) => s.kind);
    expect(kinds).toEqual([
      "create",
      "create",
      "check",
      "check",
      "counts",
      "counts",
      "merge",
      "merge",
      "count",
      "sample",
      "count",
      "sample",
    ]);
    expect(
      first.summary.tables.map(({ table, inserted, updated, rowCount }) => [table, inserted, updated, rowCount]),
    ).toEqual([
      ["gold.car_monthly", 2, 0, 2],
      ["gold.manufacturer_daily", 2, 0, 2],
    ]);
    // A later reading of car A on Jan 5: its month changes; the day's manufacturer totals do not.
    expect(second.summary.tables.map(({ inserted, updated, unchanged }) => [inserted, updated, unchanged])).toEqual([
      [0, 1, 1],
      [0, 0, 1],
    ]);
    const monthly = await getCongregado({ doc: lake.doc, table: lake.names.Congregado!, id: "gold_car_monthly" });
    expect(monthly).toMatchObject({ record_count: 2, version: 2, sample_size: 2 });
  });

  it("records each gold table's merge as a step of the run's journey", async () => {
    // Prepare
    const { startJourney } = await import("@medallion/core/journey");
    const started = await startJourney({
      doc: lake.doc,
      table: lake.names.JourneyControl!,
      idempotencyKey: "gold-steps",
    });
    const key = await storedSilverPlan(
      "car_telemetry",
      await putSilver(duck, [{ car: "J", at: "2024-03-05T08:00:00", mileage: 10 }]),
    );
    // Act
    await runGold(handlers(duck), "car_telemetry", key, {
      journey_id: started.journey.journey_id,
      run_id: started.journey.run_id!,
    });
    // Assess
    const journey = await getJourney({
      doc: lake.doc,
      table: lake.names.JourneyControl!,
      journeyId: started.journey.journey_id,
    });
    expect(journey!.steps.filter((s) => s.layer === "gold").map((s) => [s.partition, s.message])).toEqual([
      ["gold.car_monthly", "1 inserted, 0 updated, 0 unchanged"],
      ["gold.manufacturer_daily", "1 inserted, 0 updated, 0 unchanged"],
    ]);
  });

  it("fails a check's result naming the duplicated key, before any MERGE", async () => {
    // Prepare
    const key = await storedSilverPlan("car_telemetry", [{ event_year: 2024, event_month: 1, event_day: 5 }]);
    const h = handlers(duck);
    const payload = await h.plan({ dataset: "car_telemetry", plan_key: key }, lambdaContext("gold-plan"));
    const plan = await loadGoldPlan({ s3: lake.s3, bucket: lake.names.Silver!, key: payload.plan_key });
    const check = plan.steps.findIndex((s) => s.kind === "check");
    // Act
    const result = h.result(
      {
        plan_key: payload.plan_key,
        index: check,
        result: resultSet([{ car: "A", year: 2024, month: 1, rows: 2 }]),
      },
      lambdaContext("gold-result"),
    );
    // Assess
    await expect(result).rejects.toThrow(DuplicateSourceKeyError);
    await expect(result).rejects.toThrow(/car=A.*\(2 rows\)/);
    expect(plan.steps.slice(0, check + 1).some((s) => s.kind === "merge")).toBe(false);
  });

  it("hands Athena an Iceberg DDL in the gold bucket and valid Trino text for every other statement", async () => {
    // Prepare
    const engine = athenaEngine({
      client: new AthenaClient({ region: "us-east-1" }),
      workGroup: "medallion",
      database: "medallion_gold",
    });
    const h = handlers(engine, { database: "medallion_gold", warehouse: "s3://gold-bucket/" });
    const key = await storedSilverPlan("car_telemetry", [{ event_year: 2024, event_month: 1, event_day: 5 }]);
    // Act
    const payload = await h.plan({ dataset: "car_telemetry", plan_key: key }, lambdaContext("gold-plan"));
    const texts = [];
    for (const index of payload.steps)
      texts.push(await h.query({ plan_key: payload.plan_key, index }, lambdaContext("q")));
    // Assess
    expect(payload.database).toBe("medallion_gold");
    const ddls = texts.filter((t) => t.kind === "create").map((t) => t.sql);
    expect(ddls).toHaveLength(2);
    expect(ddls[0]).toContain("CREATE TABLE IF NOT EXISTS `medallion_gold`.`car_monthly`");
    expect(ddls[0]).toContain(
      "LOCATION 's3://gold-bucket/medallion_gold/car_monthly/' TBLPROPERTIES ('table_type' = 'ICEBERG'",
    );
    for (const sql of ddls) expect(new HiveSQL().validate(sql), sql).toEqual([]);
    for (const { sql, kind } of texts.filter((t) => t.kind !== "create"))
      expect(new TrinoSQL().validate(sql), `${kind}: ${sql}`).toEqual([]);
    expect(
      texts.filter((t) => t.kind === "merge").map((t) => /^MERGE INTO "medallion_gold"\."(\w+)"/.exec(t.sql)?.[1]),
    ).toEqual(["car_monthly", "manufacturer_daily"]);
    // Only reading statements are read, and at most their rows plus Athena's header row.
    expect(texts.map((t) => [t.kind, t.reads, t.max_rows])).toEqual([
      ["create", false, 2],
      ["create", false, 2],
      ["check", true, 11],
      ["check", true, 11],
      ["counts", true, 2],
      ["counts", true, 2],
      ["merge", false, 2],
      ["merge", false, 2],
      ["count", true, 2],
      ["sample", true, 101],
      ["count", true, 2],
      ["sample", true, 101],
    ]);
    expect(texts.find((t) => t.kind === "count")!.sql).toBe(
      'SELECT count(*) AS "record_count" FROM "medallion_gold"."car_monthly"',
    );
  });

  describe("ALTER steps tied to the schema version", () => {
    // The same dataset under two specs: v2 adds one aggregate to car_monthly.
    const v1: DatasetSpec = { ...withoutGold, name: "evolving", gold: carTelemetryGold } as DatasetSpec;
    const v2: DatasetSpec = {
      ...v1,
      gold: {
        ...carTelemetryGold,
        tables: carTelemetryGold.tables.map((table) =>
          table.name === "car_monthly"
            ? {
                ...table,
                aggregates: [...table.aggregates, { name: "max_mileage", kind: "max", of: column("currentMileage") }],
              }
            : table,
        ),
      },
    } as DatasetSpec;
    const alters = (plan: { steps: { kind: string }[] }) => plan.steps.filter((s) => s.kind === "alter").length;

    it("adds a column only in the run whose schema version added it, then records the version as applied", async () => {
      // Prepare: a lake of its own, and the first run's schema version (as CheckSchema records it).
      const engine = await memoryEngine();
      await createSilver(engine);
      const versions = { doc: lake.doc, table: lake.names.SchemaVersions! };
      const run = async (spec: DatasetSpec, values: Record<string, number>[]) =>
        runGold(
          handlers(engine, {
            datasets: { evolving: spec },
            silverTable: () => ({ database: "silver", name: "car_telemetry" }),
            warehouse: "s3://gold-bucket/",
          }),
          "evolving",
          await storedSilverPlan("evolving", values),
          undefined,
          engine,
        );
      const values = await putSilver(engine, [{ car: "V", at: "2024-05-05T08:00:00", mileage: 100 }]);
      await applySchema({ ...versions, spec: v1 });

      // Act
      const first = await run(v1, values);
      const unchanged = await run(v1, values);
      await applySchema({ ...versions, spec: v2 });
      const changed = await run(v2, values);
      const after = await run(v2, values);

      // Assess: the first run creates the tables whole (no ALTER), and records version 1 as applied to them.
      expect(alters(first.plan)).toBe(0);
      expect(first.plan.schema).toEqual({
        version: 1,
        applied_before: first.plan.steps.filter((s) => s.kind === "create").length,
      });
      // No schema change: no ALTER, and nothing to record.
      expect(alters(unchanged.plan)).toBe(0);
      expect(unchanged.plan.schema).toBeNull();
      expect(unchanged.plan.steps).toHaveLength(first.plan.steps.length - alters(first.plan));
      // Version 2 added one aggregate: one ALTER, of that column, right after the creates.
      expect(changed.plan.steps.filter((s) => s.kind === "alter").map((s) => s.statement)).toEqual([
        {
          kind: "addColumn",
          table: { database: "gold", name: "car_monthly" },
          column: { name: "max_mileage", type: "double" },
        },
      ]);
      expect((await tablesSchemaVersion({ ...versions, dataset: "evolving" }))?.version).toBe(2);
      expect(alters(after.plan)).toBe(0);
      const { rows } = await engine.run({
        kind: "query",
        query: {
          kind: "select",
          columns: [{ expr: column("max_mileage") }],
          from: { kind: "table", table: { database: "gold", name: "car_monthly" } },
          where: { kind: "binary", op: "=", left: column("car"), right: { kind: "literal", value: "V" } },
        },
      });
      expect(rows).toEqual([{ max_mileage: 100 }]);
      engine.close();
    });

    // The tables at version 1 (applied), the spec at version 2; PlanGold then each statement's text, on Athena.
    async function athenaRunAtVersion2() {
      for (const version of [1, 2])
        await lake.doc.send(
          new DeleteCommand({ TableName: lake.names.SchemaVersions!, Key: { dataset: "evolving", version } }),
        );
      const versions = { doc: lake.doc, table: lake.names.SchemaVersions! };
      await applySchema({ ...versions, spec: v1 });
      await markTablesApplied({ ...versions, dataset: "evolving", version: 1 });
      await applySchema({ ...versions, spec: v2 });
      const engine = athenaEngine({
        client: new AthenaClient({ region: "us-east-1" }),
        workGroup: "w",
        database: "medallion_gold",
      });
      const h = handlers(engine, {
        datasets: { evolving: v2 },
        database: "medallion_gold",
        warehouse: "s3://gold-bucket/",
      });
      const key = await storedSilverPlan("evolving", [{ event_year: 2024, event_month: 5, event_day: 5 }]);
      const payload = await h.plan({ dataset: "evolving", plan_key: key }, lambdaContext("gold-plan"));
      const texts = [];
      for (const index of payload.steps)
        texts.push(await h.query({ plan_key: payload.plan_key, index }, lambdaContext("q")));
      return { texts, tablesAt: (await tablesSchemaVersion({ ...versions, dataset: "evolving" }))?.version };
    }
    const [monthly, daily] = carTelemetryGold.tables as [GoldTable, GoldTable];

    it("hands Athena an Iceberg ADD COLUMNS for the column Glue's table lacks, and only that one", async () => {
      // Prepare: Glue has the tables as version 1 created them.
      glue
        .on(GetTableCommand, { DatabaseName: "medallion_gold", Name: "car_monthly" })
        .resolves(glueTable(monthly))
        .on(GetTableCommand, { DatabaseName: "medallion_gold", Name: "manufacturer_daily" })
        .resolves(glueTable(daily));

      // Act
      const { texts, tablesAt } = await athenaRunAtVersion2();

      // Assess: Iceberg's ADD COLUMNS has no IF NOT EXISTS; Glue says the column is missing.
      const altered = texts.filter((t) => t.kind === "alter").map((t) => t.sql);
      expect(altered).toEqual(["ALTER TABLE `medallion_gold`.`car_monthly` ADD COLUMNS (`max_mileage` double)"]);
      expect(new HiveSQL().validate(altered[0]!)).toEqual([]);
      expect(texts.map((t) => t.kind).slice(0, 3)).toEqual(["create", "alter", "create"]);
      expect(glue.commandCalls(GetTableCommand).map((c) => c.args[0].input)).toEqual([
        { DatabaseName: "medallion_gold", Name: "car_monthly" },
        { DatabaseName: "medallion_gold", Name: "manufacturer_daily" },
      ]);
      // Reaching the first statement after the ALTERs recorded version 2 as applied to the tables.
      expect(tablesAt).toBe(2);
    });

    it("adds no column again when an ALTER ran before a crash and its version was never recorded", async () => {
      // Prepare: the last run's ADD COLUMNS succeeded on Athena, then the run died before LoadGoldQuery
      // recorded version 2: the versions still say 1, Glue already has max_mileage.
      glue
        .on(GetTableCommand, { DatabaseName: "medallion_gold", Name: "car_monthly" })
        .resolves(glueTable(monthly, ["max_mileage"]))
        .on(GetTableCommand, { DatabaseName: "medallion_gold", Name: "manufacturer_daily" })
        .resolves(glueTable(daily));

      // Act
      const { texts, tablesAt } = await athenaRunAtVersion2();

      // Assess: no ALTER (Athena would refuse "Column already exists"), and version 2 is now recorded as applied.
      expect(texts.filter((t) => t.kind === "alter")).toEqual([]);
      expect(texts.map((t) => t.kind).slice(0, 3)).toEqual(["create", "create", "check"]);
      expect(tablesAt).toBe(2);
    });

    it("fails PlanGold when Glue cannot be read, rather than guess the tables' columns", async () => {
      // Prepare
      glue
        .on(GetTableCommand)
        .rejects(Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException" }));
      // Act
      const run = athenaRunAtVersion2();
      // Assess
      await expect(run).rejects.toThrow("User is not authorized");
    });
  });

  it("runs OPTIMIZE then VACUUM on every gold table of a dataset", async () => {
    // Prepare
    const queries = scriptedAthena();
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

  it("plans nothing for a dataset without gold tables, and maintains nothing", async () => {
    // Prepare
    const queries = scriptedAthena();
    const engine = athenaEngine({
      client: new AthenaClient({ region: "us-east-1" }),
      workGroup: "medallion",
      database: "medallion_gold",
    });
    const key = await storedSilverPlan("plain", [{ event_year: 2024, event_month: 1, event_day: 5 }]);
    // Act
    const { payload, summary } = await runGold(handlers(engine), "plain", key);
    const optimized = await handlers(engine).optimize({ dataset: "plain" }, lambdaContext("gold-optimize"));
    // Assess
    expect(payload.steps).toEqual([]);
    expect(summary).toEqual({ dataset: "plain", tables: [] });
    expect(optimized).toEqual([]);
    expect(queries).toEqual([]);
  });

  it("fails clearly for an unknown dataset", async () => {
    // Act
    const run = handlers(duck).plan({ dataset: "nope", plan_key: "_plans/nope/v1.json" }, lambdaContext("gold-plan"));
    // Assess
    await expect(run).rejects.toThrow(/unknown dataset nope; known: car_telemetry, plain/);
  });

  it("fails clearly on AWS wiring when the gold catalog is not linked", async () => {
    // Act
    const run = gold.plan(
      { dataset: "car_telemetry", plan_key: "_plans/car_telemetry/v1.json" },
      lambdaContext("gold-plan"),
    );
    // Assess
    await expect(run).rejects.toThrow(/GoldCatalog.*is not linked/);
  });
});
