import { describe, expect, it } from "vitest";
import { GoldStatementTooLargeError } from "../../src/gold/errors";
import { MAX_PARTITIONS_PER_STATEMENT, planChunks } from "../../src/gold/limits";

const days = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("statement limits", () => {
  it("keeps at most 100 windows, hence partitions, per statement by default", () => {
    // Act
    const chunks = planChunks(days(250), { render: () => "MERGE", table: "gold.t" });
    // Assess
    expect(MAX_PARTITIONS_PER_STATEMENT).toBe(100);
    expect(chunks.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(chunks.flat()).toEqual(days(250));
  });

  it("halves a chunk while its text is over the byte limit", () => {
    // Prepare: each window costs 10 bytes of text
    const render = (part: number[]): string => "x".repeat(part.length * 10);
    // Act
    const chunks = planChunks(days(10), { maxQueryBytes: 30, render, table: "gold.t" });
    // Assess
    expect(chunks.map((c) => c.length)).toEqual([3, 2, 3, 2]);
    expect(chunks.flat()).toEqual(days(10));
  });

  it("counts bytes, not characters", () => {
    // Act
    const chunks = planChunks(days(2), {
      maxQueryBytes: 4,
      render: (part) => "é".repeat(part.length * 2),
      table: "gold.t",
    });
    // Assess
    expect(chunks.map((c) => c.length)).toEqual([1, 1]);
  });

  it("fails naming the table when one window alone is too long", () => {
    // Act
    const plan = () => planChunks(days(1), { maxQueryBytes: 5, render: () => "too long", table: "gold.car_monthly" });
    // Assess
    expect(plan).toThrow(GoldStatementTooLargeError);
    expect(plan).toThrow(/gold\.car_monthly.*8 bytes, over the 5-byte/);
  });
});
