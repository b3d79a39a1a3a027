import { getJourney, startJourney } from "@medallion/core/journey";
import type { LedgerEntry } from "@medallion/core/ledger";
import { getLedgerEntry, ONLY_FILE_SET_ASIDE_FAILURES, recordIngested } from "@medallion/core/ledger";
import type { SilverPlan } from "@medallion/core/silver";
import { saveSilverPlan } from "@medallion/core/silver";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { lambdaContext } from "@medallion/testing/lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const DATASET = "ds_failure_path";

const entry = (n: number): LedgerEntry => ({
  dataset: DATASET,
  file_id: `${DATASET}/f${n}.json#e${n}`,
  source_key: `${DATASET}/f${n}.json`,
  etag: `e${n}`,
  bronze_key: `${DATASET}/ingest_date=2024-01-01/f${n}-e${n}.parquet`,
  pending_dataset: DATASET,
  status: "bronze",
  records_in: 1,
  records_bronze: 1,
  records_quarantined: 0,
  quarantine_keys: [],
  ingested_at: `2024-01-01T00:00:0${n}Z`,
});

const planOf = (files: LedgerEntry[], version: string, more = false): SilverPlan => ({
  dataset: DATASET,
  version,
  files: files.map(({ dataset, file_id, bronze_key }) => ({ dataset, file_id, bronze_key })),
  rowsIn: files.length,
  rowsWithoutTimestamp: 0,
  partitions: [],
  statements: [],
  more,
});

describe("the failure path (RecordPlanFailure)", () => {
  let lake: TestLake;
  let setaside: typeof import("../src/setaside");
  let journey: { journey_id: string; run_id: string };
  const [a, b] = [entry(1), entry(2)];
  const dataError = { Error: "States.TaskFailed", Cause: "DuckDB query failed: bad value" };
  const save = (files: LedgerEntry[], version: string, more = false) =>
    saveSilverPlan({ s3: lake.s3, bucket: lake.names.Silver!, plan: planOf(files, version, more) });

  beforeAll(async () => {
    // The handler reads its links and endpoints from the environment on first use.
    lake = await startTestLake({ applyEnv: true });
    setaside = await import("../src/setaside");
    for (const e of [a, b]) await recordIngested(lake.doc, lake.names.Ledger!, e);
    const started = await startJourney({
      doc: lake.doc,
      table: lake.names.JourneyControl!,
      idempotencyKey: `${DATASET}#failure-path`,
    });
    journey = { journey_id: started.journey.journey_id, run_id: started.journey.run_id! };
  });
  afterAll(() => lake.close());

  const failures = async () =>
    Promise.all(
      [a, b].map(async (e) => (await getLedgerEntry(lake.doc, lake.names.Ledger!, DATASET, e.file_id))?.failures),
    );

  it("counts nothing and plans no more when the error says nothing of the data", async () => {
    // Prepare
    const plan_key = await save([a, b], "v1");
    // Act
    const result = await setaside.record(
      { dataset: DATASET, journey, plan: { plan_key, version: "v1" }, error: { Error: "LockLostError", Cause: "x" } },
      lambdaContext("record-plan-failure"),
    );
    // Assess
    expect(result).toEqual({ files: 0, set_aside: [], step: null, failed_plans: 0, replan: false });
    expect(await failures()).toEqual([undefined, undefined]);
  });

  it("counts a data failure on the plan's files, records it on the journey, and plans again", async () => {
    // Prepare
    const plan_key = await save([a, b], "v2");
    // Act
    const result = await setaside.record(
      { dataset: DATASET, journey, plan: { plan_key, version: "v2" }, error: dataError },
      lambdaContext("record-plan-failure"),
    );
    // Assess
    expect(result).toEqual({ files: 2, set_aside: [], step: "silver", failed_plans: 1, replan: true });
    expect(await failures()).toEqual([1, 1]);
    const stored = await getJourney({
      doc: lake.doc,
      table: lake.names.JourneyControl!,
      journeyId: journey.journey_id,
    });
    expect(stored?.steps.at(-1)).toMatchObject({
      step: "plan_failed",
      status: "failed",
      layer: "silver",
      message: "States.TaskFailed: DuckDB query failed: bad value",
      details: { plan_key, files: 2, set_aside: [], failed_plan: 1 },
    });
  });

  it("counts nothing when the plan in hand went through: the failure came planning the next", async () => {
    // Prepare
    const plan_key = await save([a, b], "v3");
    // Act
    const result = await setaside.record(
      {
        dataset: DATASET,
        journey,
        plan: { plan_key, version: "v3" },
        finished: { plan_key },
        setAside: { failed_plans: 1 },
        error: dataError,
      },
      lambdaContext("record-plan-failure"),
    );
    // Assess
    expect(result).toEqual({ files: 0, set_aside: [], step: null, failed_plans: 1, replan: false });
    expect(await failures()).toEqual([1, 1]);
  });

  it("sets a lone failing file aside only once a plan of the run went through", async () => {
    // Prepare: a plan of the first file alone (others pending), failing in gold (silver committed its version)
    const plan_key = await save([a], "v4", true);
    const failed = { dataset: DATASET, journey, plan: { plan_key, version: "v4" }, silver: { version: "v4" } };
    // Act: no plan went through yet, then one did
    const before = await setaside.record(
      { ...failed, setAside: { failed_plans: 1 }, error: dataError },
      lambdaContext("record-plan-failure"),
    );
    const after = await setaside.record(
      { ...failed, finished: { plan_key: "_plans/other.json" }, setAside: before, error: dataError },
      lambdaContext("record-plan-failure"),
    );
    // Assess
    expect(before).toEqual({ files: 1, set_aside: [], step: "gold", failed_plans: 2, replan: true });
    expect(after).toEqual({ files: 1, set_aside: [a.file_id], step: "gold", failed_plans: 3, replan: true });
    expect(await getLedgerEntry(lake.doc, lake.names.Ledger!, DATASET, a.file_id)).toMatchObject({
      status: "set_aside",
      failed_step: "gold",
      failures: 3,
    });
  });

  it("sets the dataset's only plannable file aside after runs of failures, though no plan went through", async () => {
    // Prepare: the second file alone with nothing else pending (the first was set aside), failing in silver
    const plan_key = await save([b], "v5");
    const failed = { dataset: DATASET, journey, plan: { plan_key, version: "v5" }, error: dataError };
    const before = (await getLedgerEntry(lake.doc, lake.names.Ledger!, DATASET, b.file_id))!.failures!;
    // Act: fail until one short of the threshold, then once more
    const results = [];
    for (let failure = before + 1; failure <= ONLY_FILE_SET_ASIDE_FAILURES; failure++)
      results.push(await setaside.record(failed, lambdaContext("record-plan-failure")));
    // Assess: kept pending while short of the threshold, set aside when it is reached
    expect(results.slice(0, -1).every((r) => r.set_aside.length === 0)).toBe(true);
    expect(results.at(-1)?.set_aside).toEqual([b.file_id]);
    expect(await getLedgerEntry(lake.doc, lake.names.Ledger!, DATASET, b.file_id)).toMatchObject({
      status: "set_aside",
      failed_step: "silver",
      failures: ONLY_FILE_SET_ASIDE_FAILURES,
    });
  });
});
