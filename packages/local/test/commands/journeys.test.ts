import { completeJourney, failJourney, recordStep, startJourney } from "@medallion/core/journey";
import { recordIngested, recordPlanFailure } from "@medallion/core/ledger";
import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journeysCommand, journeysText } from "../../src/commands/journeys";

describe("medallion journeys", () => {
  let dynamo: TestDynamo;
  let store: { doc: TestDynamo["doc"]; table: string };
  const at = (iso: string) => () => Date.parse(iso);
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    store = { doc: dynamo.doc, table: dynamo.tableName("JourneyControl") };
  });
  afterAll(() => dynamo.close());

  it("says so when there are no journeys", async () => {
    // Act
    const found = await journeysCommand({ ...store, limit: 20 });
    // Assess
    expect(found).toEqual({ journeys: [], total: 0, omitted: 0, setAside: [], error: null });
    expect(journeysText(found)).toBe("No journeys yet.");
  });

  it("lists journeys newest first with dataset, status, start (UTC), duration, steps and error", async () => {
    // Prepare
    const older = await startJourney({
      ...store,
      clock: at("2026-11-24T01:00:00Z"),
      idempotencyKey: "car_telemetry#older",
      metadata: {
        dataset: "car_telemetry",
        window_kind: "hourly",
        window_from: "2026-11-24T00:00:00.000Z",
        window_to: "2026-11-24T01:00:00.000Z",
      },
    });
    await recordStep({
      ...store,
      clock: at("2026-11-24T01:00:01Z"),
      journeyId: older.journey.journey_id,
      step: {
        step: "silver",
        status: "succeeded",
        started_at: "2026-11-24T01:00:00Z",
        finished_at: "2026-11-24T01:00:01Z",
        duration_ms: 1000,
        details: { rows_in: 3 },
      },
    });
    await completeJourney({ ...store, clock: at("2026-11-24T01:00:02.500Z"), journeyId: older.journey.journey_id });
    const newer = await startJourney({
      ...store,
      clock: at("2026-11-24T02:00:00Z"),
      idempotencyKey: "operations#newer",
    });
    await failJourney({
      ...store,
      clock: at("2026-11-24T02:01:05Z"),
      journeyId: newer.journey.journey_id,
      error: new Error("gold key not unique"),
    });
    // Act
    const found = await journeysCommand({ ...store, limit: 20 });
    const lines = journeysText(found).split("\n");
    // Assess
    expect(lines[0]).toMatch(/^JOURNEY\s+DATASET\s+STATUS\s+STARTED \(UTC\)\s+DURATION\s+STEPS/);
    expect(lines[1]).toContain(newer.journey.journey_id);
    expect(lines[1]).toMatch(
      /operations\s+failed\s+2026-11-24 02:00:00\s+1 min 05 s\s+0\s+0\s+\$0\s+Error: gold key not unique/,
    );
    expect(lines[2]).toContain(older.journey.journey_id);
    expect(lines[2]).toMatch(
      /car_telemetry\s+completed\s+2026-11-24 01:00:00\s+2\.5 s\s+1\s+0\s+\$0\s+silver succeeded/,
    );
    if (!("journeys" in found)) throw new Error("expected a list");
    expect(found.journeys[1]).toMatchObject({
      journeyId: older.journey.journey_id,
      dataset: "car_telemetry",
      status: "completed",
      window: { kind: "hourly", from: "2026-11-24T00:00:00.000Z", to: "2026-11-24T01:00:00.000Z" },
      durationMs: 2500,
      error: null,
      steps: [{ step: "silver", status: "succeeded", durationMs: 1000, recordsIn: null, details: { rowsIn: 3 } }],
      metadata: { windowKind: "hourly" },
    });
    expect(found.journeys[0]).toMatchObject({
      status: "failed",
      error: { name: "Error", message: "gold key not unique" },
    });
  });

  it("filters by dataset and status, and says how many it left out", async () => {
    // Act
    const failed = await journeysCommand({ ...store, status: "failed", limit: 20 });
    const ofCars = await journeysCommand({ ...store, dataset: "car_telemetry", limit: 20 });
    const newest = await journeysCommand({ ...store, limit: 1 });
    // Assess
    expect("journeys" in failed && failed.journeys.map((j) => j.dataset)).toEqual(["operations"]);
    expect("journeys" in ofCars && ofCars.journeys.map((j) => j.status)).toEqual(["completed"]);
    expect(newest).toMatchObject({ total: 2, omitted: 1 });
    expect(journeysText(newest).split("\n").at(-1)).toBe("… 1 more (2 in all): --limit 0 shows every one");
  });

  it("shows one journey's steps, found by id or by idempotency key, or says it is not there", async () => {
    // Prepare
    const { journey } = await startJourney({
      ...store,
      idempotencyKey: "cli#detail",
      metadata: { dataset: "car-telemetry" },
    });
    await recordStep({
      ...store,
      journeyId: journey.journey_id,
      step: {
        step: "ingest",
        status: "failed",
        layer: "bronze",
        file: "landing/a.json",
        records_in: 3,
        records_invalid: 3,
        message: "bad JSON",
        started_at: "2026-11-24T01:00:00Z",
        finished_at: "2026-11-24T01:00:01Z",
        duration_ms: 1000,
      },
    });
    // Act
    const byId = await journeysCommand({ ...store, limit: 20, id: journey.journey_id });
    const byKey = await journeysCommand({ ...store, limit: 20, id: "cli#detail" });
    const missing = await journeysCommand({ ...store, limit: 20, id: "cli#never" });
    // Assess
    expect(byKey).toEqual(byId);
    const text = journeysText(byId);
    expect(text).toContain("key        cli#detail");
    expect(text).toMatch(/started {4}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(text).toContain("metadata   dataset=car-telemetry");
    expect(text).toMatch(/1\s+ingest\s+failed\s+bronze\s+landing\/a\.json\s+3\s+3\s+1000.*bad JSON/);
    expect(missing).toEqual({
      journey: null,
      error: { name: "JourneyNotFound", message: 'no journey with id or idempotency key "cli#never"' },
    });
  });

  it("lists the files set aside in the datasets shown, with their failing step and error", async () => {
    // Prepare: a file failed alone twice in silver, in a dataset no journey ran for
    const ledgerTable = dynamo.tableName("Ledger");
    const file = { dataset: "cli_poison", file_id: "cli_poison/bad.json#e1" };
    await recordIngested(dynamo.doc, ledgerTable, {
      ...file,
      source_key: "cli_poison/bad.json",
      etag: "e1",
      bronze_key: "cli_poison/ingest_date=2024-01-01/bad-e1.parquet",
      status: "bronze",
      records_in: 1,
      records_bronze: 1,
      records_quarantined: 0,
      quarantine_keys: [],
      ingested_at: "2024-01-01T00:00:00Z",
      pending_dataset: "cli_poison",
    });
    for (let n = 0; n < 2; n++)
      await recordPlanFailure(dynamo.doc, ledgerTable, [file], {
        error: "ConversionError: bad metrics",
        step: "silver",
      });
    // Act
    const found = await journeysCommand({
      ...store,
      dataset: "cli_poison",
      limit: 20,
      ledger: { table: ledgerTable, datasets: ["car_telemetry", "cli_poison"] },
    });
    // Assess
    expect("setAside" in found && found.setAside).toEqual([
      {
        dataset: "cli_poison",
        fileId: file.file_id,
        setAsideAt: expect.any(String),
        failedStep: "silver",
        lastError: "ConversionError: bad metrics",
      },
    ]);
    const text = journeysText(found);
    expect(text).toContain("1 file(s) set aside");
    expect(text).toContain("medallion redrive --dataset <name>");
    expect(text).toMatch(/cli_poison\s+cli_poison\/bad\.json#e1\s+.*silver\s+ConversionError: bad metrics/);
  });
});
