import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { getCongregado } from "@medallion/core/congregado";
import type { SqlEngine } from "@medallion/core/engine";
import type { Journey } from "@medallion/core/journey";
import { getJourney } from "@medallion/core/journey";
import { selectColumns } from "@medallion/core/sql";
import { executePipeline } from "@medallion/local/pipeline";
import type { LocalStack } from "@medallion/local/stack";
import type { EmbeddedStack } from "@medallion/testing/embedded-stack";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import { carReading as reading, windowOfHour as windowOf } from "@medallion/testing/readings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The whole pipeline on the embedded stack: files dropped into landing → ingestion →
// one state machine execution (aws-local-stepfunctions) → silver and gold, under a journey.
describe("pipeline on the embedded stack", () => {
  let lake: EmbeddedStack;
  let stack: LocalStack;
  let doc: DynamoDBDocumentClient;
  beforeAll(async () => {
    lake = await startEmbeddedStack({ name: "pipeline" });
    ({ stack, doc } = lake);
  });
  afterAll(() => lake?.close());

  async function drop(key: string, records: object[]): Promise<void> {
    expect((await lake.land(`car_telemetry/${key}`, records)).error).toBeUndefined();
  }
  const silverRows = async () =>
    (
      await stack.pipeline.engine.run(
        selectColumns({ database: "silver", name: "car_telemetry" }, ["carChassis", "event_day", "currentMileage"], {
          orderBy: ["carChassis", "event_day"],
        }),
      )
    ).rows;
  const journeyOf = async (id: unknown): Promise<Journey> =>
    (await getJourney({ doc, table: stack.names.JourneyControl!, journeyId: String(id) }))!;

  it("takes dropped files to silver in one execution, and completes the journey with its steps", async () => {
    // Prepare: the three-upload example, plus another car.
    await drop("a.ndjson", [reading("CAR1", 4321, "2024-05-01T08:00:00Z")]);
    await drop("b.ndjson", [
      reading("CAR1", 8500, "2024-05-01T12:00:00Z"),
      reading("CAR2", 700, "2024-05-01T09:00:00Z"),
    ]);
    await drop("c.ndjson", [reading("CAR1", 12000, "2024-05-01T18:00:00Z")]);

    // Act
    const run = await stack.execute({ dataset: "car_telemetry", window: windowOf(10) });

    // Assess
    expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
    expect(run.states.filter((s) => s.event === "succeeded").map((s) => s.state)).toEqual(
      expect.arrayContaining([
        "ResolveWindow",
        "StartJourney",
        "PlanSilver",
        "RunSilverQueries",
        "CommitSilver",
        "RecordSilverStep",
        "PlanGold",
        "RunGoldStatements",
        "FinishGold",
        "CompleteJourney",
      ]),
    );
    expect(await silverRows()).toEqual([
      { carChassis: "CAR1", event_day: 1, currentMileage: 12000 },
      { carChassis: "CAR2", event_day: 1, currentMileage: 700 },
    ]);
    const journey = await journeyOf(run.output!.journey.journey_id);
    expect(journey.status).toBe("completed");
    expect(journey.steps.find((s) => s.step === "silver_consolidation")).toMatchObject({
      status: "succeeded",
      layer: "silver",
      records_in: 4,
      records_out: 2,
    });
    // Gold merged (a step per table) and its congregado saved.
    expect(journey.steps.filter((s) => s.layer === "gold").length).toBeGreaterThanOrEqual(2);
    const monthly = await getCongregado({ doc, table: stack.names.Congregado!, id: "gold_car_monthly" });
    expect(monthly).toMatchObject({ record_count: 2, version: 1 });
  });

  it("executes a completed window again as a no-op", async () => {
    // Prepare
    const before = await silverRows();
    // Act
    const again = await stack.execute({ dataset: "car_telemetry", window: windowOf(10) });
    // Assess
    expect(again.status).toBe("SUCCEEDED");
    expect(again.output!.journey).toMatchObject({ duplicate: true });
    expect(again.states.map((s) => s.state)).not.toContain("PlanSilver");
    expect(await silverRows()).toEqual(before);
  });

  it("lets exactly one of two simultaneous executions of a window proceed", async () => {
    // Prepare
    await drop("d.ndjson", [reading("CAR3", 100, "2024-05-01T07:00:00Z")]);
    // Act
    const runs = await Promise.all([
      stack.execute({ dataset: "car_telemetry", window: windowOf(11) }),
      stack.execute({ dataset: "car_telemetry", window: windowOf(11) }),
    ]);
    // Assess
    const statuses = runs.map((r) => r.status).sort();
    expect(statuses).toEqual(["FAILED", "SUCCEEDED"]);
    const refused = runs.find((r) => r.status === "FAILED")!;
    expect(refused.error!.Error).toBe("JourneyInProgressError");
    expect(refused.states.map((s) => s.state)).not.toContain("FailJourney");
    expect((await silverRows()).map((r) => r.carChassis)).toContain("CAR3");
  });

  it("serialises runs of different windows of one dataset: both succeed, no silver row is lost", async () => {
    // Prepare: two batches of new data.
    await drop("f.ndjson", [reading("CAR5", 10, "2024-05-03T07:00:00Z")]);
    await drop("g.ndjson", [reading("CAR6", 20, "2024-05-03T08:00:00Z")]);
    // Act: two windows at once (like the 02:00 daily run and the 02:05 hourly run).
    const runs = await Promise.all([
      stack.execute({ dataset: "car_telemetry", window: windowOf(13) }),
      stack.execute({ dataset: "car_telemetry", window: windowOf(14) }),
    ]);
    // Assess
    expect(
      runs.map((r) => r.status),
      JSON.stringify(runs.map((r) => r.error)),
    ).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    // One of them waited for the other's dataset lock.
    expect(runs.flatMap((r) => r.states).some((s) => s.state === "AcquireDatasetLock" && s.event === "retried")).toBe(
      true,
    );
    const cars = (await silverRows()).map((r) => r.carChassis);
    expect(cars).toEqual(expect.arrayContaining(["CAR1", "CAR2", "CAR3", "CAR5", "CAR6"]));
    expect(new Set(cars).size).toBe(cars.length);
  });

  it("fails the journey with the engine's message when a step fails, leaves silver as it was, and succeeds on the next execution", async () => {
    // Prepare: new data, and an engine that fails the first statement it is given.
    await drop("e.ndjson", [
      reading("CAR4", 50, "2024-05-02T07:00:00Z"),
      reading("CAR1", 99999, "2024-05-01T23:00:00Z"),
    ]);
    const before = await silverRows();
    const failing = {
      dialect: stack.pipeline.engine.dialect,
      run: async () => Promise.reject(new Error("engine exploded: disk full")),
    };

    // Act
    const failed = await executePipeline({
      handlers: { ...stack.pipeline, engine: failing },
      input: { dataset: "car_telemetry", window: windowOf(12), at: new Date().toISOString() },
    });

    // Assess: failed journey with the message; silver untouched.
    expect(failed.status).toBe("FAILED");
    const journeyId = (await executeAndFindJourney(failed)) as string;
    const journey = await journeyOf(journeyId);
    expect(journey.status).toBe("failed");
    expect(JSON.stringify(journey.error)).toContain("engine exploded: disk full");
    expect(await silverRows()).toEqual(before);

    // Act: the next execution of the same window.
    const retried = await stack.execute({ dataset: "car_telemetry", window: windowOf(12) });

    // Assess
    expect(retried.status, JSON.stringify(retried.error)).toBe("SUCCEEDED");
    const after = await journeyOf(journeyId);
    expect(after).toMatchObject({ status: "completed", retry_count: 1 });
    const rows = await silverRows();
    expect(rows).toContainEqual({ carChassis: "CAR4", event_day: 2, currentMileage: 50 });
    expect(rows).toContainEqual({ carChassis: "CAR1", event_day: 1, currentMileage: 99999 });
  });

  it("redoes silver and gold when gold fails between two MERGEs: the next execution brings gold level", async () => {
    // Prepare: new data, and an engine whose MERGE into the second gold table fails every attempt
    // (after the first table's MERGE committed).
    await drop("h.ndjson", [reading("CAR7", 70, "2024-05-04T07:00:00Z")]);
    const goldRows = async (table: string, column: string) =>
      (
        await stack.pipeline.engine.run(
          selectColumns({ database: "gold", name: table }, [column], { orderBy: [column] }),
        )
      ).rows.map((r) => String(r[column]));
    const engine = stack.pipeline.engine;
    const crashing: SqlEngine = {
      dialect: engine.dialect,
      run: (statement) =>
        statement.kind === "merge" && statement.into.name === "manufacturer_daily"
          ? Promise.reject(new Error("engine crashed in the middle of gold"))
          : engine.run(statement),
    };

    // Act
    const failed = await executePipeline({
      handlers: { ...stack.pipeline, engine: crashing },
      input: { dataset: "car_telemetry", window: windowOf(15) },
    });

    // Assess: the run failed after retrying the MERGE; the first table took the new car, the
    // second did not, and the files are still pending (not marked consolidated).
    expect(failed.status).toBe("FAILED");
    expect(
      failed.states.filter((s) => s.state === "WaitBeforeGoldMerge" && s.event === "entered").length,
    ).toBeGreaterThan(0);
    expect(await goldRows("car_monthly", "car")).toContain("CAR7");
    expect(await goldRows("manufacturer_daily", "date")).not.toContain("2024-05-04");
    const { listPending } = await import("@medallion/core/ledger");
    expect((await listPending(doc, stack.names.Ledger!, "car_telemetry")).map((e) => e.source_key)).toContain(
      "car_telemetry/h.ndjson",
    );

    // Act: the next execution of the window.
    const retried = await stack.execute({ dataset: "car_telemetry", window: windowOf(15) });

    // Assess: gold caught up (the first table's rows unchanged, not doubled), nothing pending, silver holds CAR7 once.
    expect(retried.status, JSON.stringify(retried.error)).toBe("SUCCEEDED");
    expect((await goldRows("car_monthly", "car")).filter((car) => car === "CAR7")).toHaveLength(1);
    expect(await goldRows("manufacturer_daily", "date")).toContain("2024-05-04");
    const monthly = retried.output!.gold!.tables.find((t) => t.table === "gold.car_monthly")!;
    expect(monthly).toMatchObject({ inserted: 0, updated: 0 });
    expect(await listPending(doc, stack.names.Ledger!, "car_telemetry")).toEqual([]);
    expect((await silverRows()).filter((r) => r.carChassis === "CAR7")).toHaveLength(1);
  });

  it("retries a MERGE that lost an Iceberg commit race, and succeeds with gold as if none happened", async () => {
    // Prepare: the first MERGE attempt fails as Athena reports a conflict (a failed query).
    await drop("i.ndjson", [reading("CAR8", 80, "2024-05-05T07:00:00Z")]);
    const engine = stack.pipeline.engine;
    let conflicts = 0;
    const racing: SqlEngine = {
      dialect: engine.dialect,
      run: (statement) =>
        statement.kind === "merge" && conflicts++ === 0
          ? Promise.reject(new Error("ICEBERG_COMMIT_ERROR: Failed to commit Iceberg update to table"))
          : engine.run(statement),
    };

    // Act
    const run = await executePipeline({
      handlers: { ...stack.pipeline, engine: racing },
      input: { dataset: "car_telemetry", window: windowOf(16) },
    });

    // Assess
    expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
    // Tried again once, after a wait and a renewal of the run's leases (an attempt may take an
    // Athena query's timeout: the lease must not lapse across attempts).
    const entered = run.states.filter((s) => s.event === "entered").map((s) => s.state);
    const wait = entered.indexOf("WaitBeforeGoldMerge");
    expect(entered.filter((s) => s === "WaitBeforeGoldMerge")).toHaveLength(1);
    expect(entered.slice(wait + 1, wait + 3)).toEqual(["RenewGoldLeases", "LoadGoldQuery"]);
    expect(entered.slice(wait).indexOf("RunGoldMerge")).toBeGreaterThan(0);
    expect(run.output!.gold!.tables.map((t) => [t.table, t.inserted])).toEqual([
      ["gold.car_monthly", 1],
      ["gold.manufacturer_daily", 1],
    ]);
  });

  async function executeAndFindJourney(outcome: Awaited<ReturnType<typeof executePipeline>>): Promise<unknown> {
    const started = outcome.states.find((s) => s.state === "StartJourney" && s.event === "succeeded");
    expect(started).toBeDefined();
    // The journey id is deterministic from the window's idempotency key.
    const { journeyIdFor } = await import("@medallion/core/journey");
    return journeyIdFor(
      `car_telemetry#${new Date(windowOf(12).from).toISOString()}/${new Date(windowOf(12).to).toISOString()}`,
    );
  }
});
