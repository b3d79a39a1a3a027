import { describe, expect, it } from "vitest";
import { processingStepSchema, stepTiming } from "../../src/journey/step";

describe("processing step", () => {
  it("accepts a full processing-log record and rejects an unknown layer", () => {
    // Prepare
    const step = {
      step: "ingest",
      status: "succeeded",
      dataset: "car-telemetry",
      layer: "bronze",
      file: "landing/car/a.json",
      records_in: 10,
      records_out: 9,
      records_invalid: 1,
      host: "lambda",
      code_version: "1",
      ...stepTiming(Date.parse("2026-11-24T00:00:00Z"), Date.parse("2026-11-24T00:00:01.5Z")),
    };
    // Act
    const parsed = processingStepSchema.safeParse(step);
    const wrongLayer = processingStepSchema.safeParse({ ...step, layer: "platinum" });
    // Assess
    expect(parsed.success && parsed.data).toEqual(step);
    expect(step.duration_ms).toBe(1_500);
    expect(wrongLayer.success).toBe(false);
  });
});
