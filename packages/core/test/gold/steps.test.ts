import { describe, expect, it } from "vitest";
import type { GoldSummary } from "../../src/gold/results";
import { goldSteps } from "../../src/gold/steps";
import { processingStepSchema } from "../../src/journey/step";

const summary: GoldSummary = {
  dataset: "car_telemetry",
  tables: [
    {
      table: "gold.car_monthly",
      windows: 2,
      statements: 1,
      sourceRows: 8,
      inserted: 2,
      updated: 1,
      unchanged: 5,
      deleted: 0,
      rowCount: 30,
      congregado: { id: "gold_car_monthly", status: "updated", version: 4 },
    },
    {
      table: "gold.manufacturer_daily",
      windows: 0,
      statements: 0,
      sourceRows: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      rowCount: 12,
    },
  ],
};

describe("gold steps", () => {
  it("reports rows inserted, updated and unchanged per gold table as valid processing steps", () => {
    // Act
    const steps = goldSteps({ summary, startedAt: Date.UTC(2026, 0, 1), finishedAt: Date.UTC(2026, 0, 1, 0, 0, 2) });
    // Assess
    for (const step of steps) expect(processingStepSchema.parse(step)).toEqual(step);
    expect(steps[0]).toMatchObject({
      step: "gold",
      status: "succeeded",
      layer: "gold",
      partition: "gold.car_monthly",
      message: "2 inserted, 1 updated, 5 unchanged",
      records_in: 8,
      records_out: 3,
      duration_ms: 2000,
      details: {
        inserted: 2,
        updated: 1,
        unchanged: 5,
        deleted: 0,
        row_count: 30,
        congregado: { status: "updated", version: 4 },
      },
    });
    expect(steps[1]).toMatchObject({ status: "skipped", partition: "gold.manufacturer_daily", records_out: 0 });
  });

  it("names the rows deleted because their group vanished, when there were some", () => {
    // Prepare
    const [monthly] = summary.tables;
    const deleting: GoldSummary = {
      ...summary,
      tables: [{ ...monthly!, inserted: 1, updated: 1, unchanged: 3, deleted: 2 }],
    };
    // Act
    const [step] = goldSteps({ summary: deleting, startedAt: Date.UTC(2026, 0, 1), finishedAt: Date.UTC(2026, 0, 1) });
    // Assess
    expect(processingStepSchema.parse(step)).toEqual(step);
    expect(step).toMatchObject({
      message: "1 inserted, 1 updated, 2 deleted, 3 unchanged",
      records_out: 2,
      details: { deleted: 2 },
    });
  });
});
