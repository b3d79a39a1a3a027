import { completeJourney, failJourney, recordStep, startJourney } from "@medallion/core/journey";
import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journeysCommand } from "../../src/commands/journeys";

describe("medallion journeys", () => {
  let dynamo: TestDynamo;
  let store: { doc: TestDynamo["doc"]; table: string };
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    store = { doc: dynamo.doc, table: dynamo.tableName("JourneyControl") };
  });
  afterAll(() => dynamo.close());

  it("says so when there are no journeys", async () => {
    // Act
    const text = await journeysCommand({ ...store, json: false });
    const json = await journeysCommand({ ...store, json: true });
    // Assess
    expect(text).toBe("No journeys yet.");
    expect(JSON.parse(json)).toEqual([]);
  });

  it("lists journeys newest first with status, steps and error, as text or JSON", async () => {
    // Prepare
    const at = (iso: string) => () => Date.parse(iso);
    const older = await startJourney({ ...store, clock: at("2026-11-24T01:00:00Z"), idempotencyKey: "cli#older" });
    await recordStep({
      ...store,
      journeyId: older.journey.journey_id,
      step: {
        step: "silver",
        status: "succeeded",
        started_at: "2026-11-24T01:00:00Z",
        finished_at: "2026-11-24T01:00:01Z",
        duration_ms: 1000,
      },
    });
    await completeJourney({ ...store, journeyId: older.journey.journey_id });
    const newer = await startJourney({ ...store, clock: at("2026-11-24T02:00:00Z"), idempotencyKey: "cli#newer" });
    await failJourney({ ...store, journeyId: newer.journey.journey_id, error: new Error("gold key not unique") });
    // Act
    const text = await journeysCommand({ ...store, json: false });
    const json = JSON.parse(await journeysCommand({ ...store, json: true })) as {
      journey_id: string;
      status: string;
    }[];
    // Assess
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^JOURNEY\s+STATUS\s+CREATED/);
    expect(lines[1]).toContain(newer.journey.journey_id);
    expect(lines[1]).toMatch(/failed.*2026-11-24 02:00:00.*Error: gold key not unique/);
    expect(lines[2]).toContain(older.journey.journey_id);
    expect(lines[2]).toMatch(/completed.*\b1\s+silver succeeded/);
    expect(json.map((journey) => [journey.journey_id, journey.status])).toEqual([
      [newer.journey.journey_id, "failed"],
      [older.journey.journey_id, "completed"],
    ]);
  });

  it("shows one journey's steps, found by id or by idempotency key", async () => {
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
    const byId = await journeysCommand({ ...store, json: false, id: journey.journey_id });
    const byKey = await journeysCommand({ ...store, json: false, id: "cli#detail" });
    const missing = await journeysCommand({ ...store, json: false, id: "cli#never" });
    const missingJson = await journeysCommand({ ...store, json: true, id: "cli#never" });
    // Assess
    expect(byKey).toBe(byId);
    expect(byId).toContain("key        cli#detail");
    expect(byId).toContain("metadata   dataset=car-telemetry");
    expect(byId).toMatch(/1\s+ingest\s+failed\s+bronze\s+landing\/a\.json\s+3\s+3\s+1000.*bad JSON/);
    expect(missing).toBe('No journey with id or idempotency key "cli#never".');
    expect(JSON.parse(missingJson)).toBeNull();
  });
});
