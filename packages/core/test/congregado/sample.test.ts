import { describe, expect, it } from "vitest";
import { fitSample } from "../../src/congregado/sample";
import { valueSize } from "../../src/dynamo/item-size";

describe("fitSample", () => {
  it("keeps the first records up to the limit when they fit", () => {
    // Prepare
    const records = Array.from({ length: 10 }, (_, n) => ({ n }));
    // Act
    const sample = fitSample({ records, limit: 4, budgetBytes: 10_000 });
    // Assess
    expect(sample).toEqual({ records: records.slice(0, 4), truncated: false, bytes: valueSize(records.slice(0, 4)) });
  });

  it("stops before the record that would overflow the budget, and says so", () => {
    // Prepare
    const records = Array.from({ length: 10 }, (_, n) => ({ text: "y".repeat(100), n }));
    const budgetBytes = valueSize(records.slice(0, 3)) + 10;
    // Act
    const sample = fitSample({ records, limit: 1_000, budgetBytes });
    // Assess
    expect(sample.records).toEqual(records.slice(0, 3));
    expect(sample.truncated).toBe(true);
    expect(sample.bytes).toBeLessThanOrEqual(budgetBytes);
  });
});
