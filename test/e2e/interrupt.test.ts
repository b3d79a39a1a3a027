import { listJourneys } from "@medallion/core/journey";
import { datasetLockName, readLock } from "@medallion/core/lock";
import { selectColumns } from "@medallion/core/sql";
import type { LocalStack } from "@medallion/local/stack";
import type { TaskStateName } from "@medallion/stacks/functions";
import { functionOfState } from "@medallion/stacks/functions";
import type { EmbeddedStack } from "@medallion/testing/embedded-stack";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import type { CarReading } from "@medallion/testing/readings";
import { carReadings, expectedSilver } from "@medallion/testing/readings";
import { afterAll, describe, expect, it } from "vitest";

// Ctrl-C in every state of the pipeline (LocalStack.interrupt, what the CLI's SIGINT handler
// calls): the execution stops at once, its journey is failed "Interrupted", its lock released, and
// a run started right after on the same data converges to exactly the silver of the data dropped
// (computed here, independently) and the gold of a run never interrupted.
describe("a run interrupted in any state", () => {
  let lake: EmbeddedStack | undefined;
  let neverInterrupted: EmbeddedStack | undefined;
  const dropped: { key: string; records: CarReading[] }[] = [];
  afterAll(async () => {
    await lake?.close();
    await neverInterrupted?.close();
  });

  const interruptedStates: TaskStateName[] = [
    "AcquireDatasetLock",
    "PlanSilver",
    "LoadSilverQuery",
    "CommitSilver",
    "RecordSilverStep",
    "PlanGold",
    "FinishGold",
    "FinishSilver",
    "ReleaseDatasetLock",
  ];

  it("stops within moments, fails its journey as interrupted, releases its lock, and a rerun converges", async () => {
    lake = await startEmbeddedStack({ name: "interrupt" });
    let stack = lake.stack;
    for (const [index, state] of [...interruptedStates, "RunSilverQuery" as const].entries()) {
      // Prepare: a new file, and Ctrl-C as the state starts (its write in flight goes on).
      const file = { key: `car_telemetry/part-${index}.ndjson`, records: carReadings(index) };
      dropped.push(file);
      expect((await lake.land(file.key, file.records)).error).toBeUndefined();
      const interruptIn = state === "RunSilverQuery" ? interruptQuery(stack) : interruptTask(stack, state);
      // Act
      const started = Date.now();
      const run = await stack.execute({ dataset: "car_telemetry", window: windowOf(index) });
      const tookMs = Date.now() - started - interruptIn.delayMs;
      // Assess: interrupted, journey failed with the reason, lock free.
      expect(run.status, state).toBe("FAILED");
      expect(run.error, `${state}: ${JSON.stringify(run.states.filter((s) => s.event === "failed"))}`).toMatchObject({
        Error: "Interrupted",
      });
      expect(tookMs, state).toBeLessThan(5_000);
      const journeys = await listJourneys({ doc: lake.doc, table: stack.names.JourneyControl! });
      const journey = journeys.find((j) => j.metadata.window_from === windowOf(index).from);
      expect(journey, state).toMatchObject({ status: "failed", error: { name: "Interrupted" } });
      const lock = await readLock({ doc: lake.doc, table: stack.names.Lock!, name: datasetLockName("car_telemetry") });
      expect(lock, state).toBeUndefined();
      // Act: the next command, at once, on the same data.
      stack = await lake.restart();
      const rerun = await stack.execute({ dataset: "car_telemetry", window: windowOf(100 + index) });
      // Assess
      expect(rerun.status, `${state}: ${JSON.stringify(rerun.error)}`).toBe("SUCCEEDED");
      expect(await silverOf(stack), state).toEqual(expectedSilver(dropped.flatMap((file) => file.records)));
    }
    const gold = await goldOf(stack);
    await lake.close();
    // The same files, never interrupted (on the same ports: handlers build their clients once per process).
    neverInterrupted = await startEmbeddedStack({ name: "interrupt-ref", ports: lake.ports });
    stack = neverInterrupted.stack;
    for (const file of dropped) expect((await neverInterrupted.land(file.key, file.records)).error).toBeUndefined();
    const reference = await stack.execute({ dataset: "car_telemetry", window: windowOf(0) });
    expect(reference.status).toBe("SUCCEEDED");
    expect(await silverOf(stack)).toEqual(expectedSilver(dropped.flatMap((file) => file.records)));
    expect(gold).toEqual(await goldOf(stack));
  }, 120_000);
});

const windowOf = (index: number) => ({
  from: new Date(Date.UTC(2030, 0, 1, index)).toISOString(),
  to: new Date(Date.UTC(2030, 0, 1, index + 1)).toISOString(),
});

// Ctrl-C as the state's task starts; the task itself goes on (a write in flight) after a moment.
function interruptTask(stack: LocalStack, state: TaskStateName): { delayMs: number } {
  const name = functionOfState[state];
  const real = stack.pipeline[name];
  stack.pipeline[name] = async (event, context) => {
    stack.pipeline[name] = real;
    void stack.interrupt("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 100));
    return real(event, context);
  };
  return { delayMs: 0 };
}

// Ctrl-C while DuckDB runs a long statement of the query state (it would run for minutes).
function interruptQuery(stack: LocalStack): { delayMs: number } {
  const real = stack.pipeline.engine;
  const delayMs = 300;
  stack.pipeline.engine = {
    ...real,
    run: async (statement) => {
      stack.pipeline.engine = real;
      setTimeout(() => void stack.interrupt("SIGINT"), delayMs);
      await stack.engine.sql("SELECT count(*) FROM range(100000000000) a");
      return real.run(statement);
    },
  } as typeof real;
  return { delayMs };
}

async function silverOf(stack: LocalStack): Promise<{ carChassis: string; day: number; mileage: number }[]> {
  const { rows } = await stack.engine.run(
    selectColumns({ database: "silver", name: "car_telemetry" }, ["carChassis", "event_day", "currentMileage"], {
      orderBy: ["carChassis", "event_day"],
    }),
  );
  return rows.map((row) => ({
    carChassis: String(row.carChassis),
    day: Number(row.event_day),
    mileage: Number(row.currentMileage),
  }));
}

async function goldOf(stack: LocalStack): Promise<unknown[]> {
  const [monthly, daily] = await Promise.all([
    stack.engine.sql("SELECT * FROM gold.car_monthly ORDER BY ALL"),
    stack.engine.sql("SELECT * FROM gold.manufacturer_daily ORDER BY ALL"),
  ]);
  return [monthly.rows, daily.rows];
}
