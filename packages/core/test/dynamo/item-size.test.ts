import { NumberValue } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { itemSize, toStorable } from "../../src/dynamo/item-size";

// dynalite enforces DynamoDB's 400 KB limit with its own size arithmetic: ours must never be smaller.
// (A variable specifier: dynalite ships no types for its internals.)
const dynaliteDb = "dynalite/db/index.js";
const dynalite = (await import(dynaliteDb)) as { itemSize(item: unknown): number };

describe("itemSize", () => {
  it("never estimates an item smaller than DynamoDB's arithmetic (as dynalite applies it)", () => {
    // Prepare
    const items: Record<string, unknown>[] = [
      { id: "a", n: 0, neg: -12.5, big: 123456789012345, tiny: 0.000123, flag: true, none: null },
      { id: "nested", m: { a: [1, "two", { three: 3 }], b: { c: "d" } }, empty: [], emptyMap: {} },
      { id: "ascii", text: "x".repeat(1_000), numbers: Array.from({ length: 100 }, (_, i) => i * 1.1) },
      { id: "bytes", data: new Uint8Array(64) },
    ];
    // Act
    const pairs = items.map((item) => [itemSize(item), dynalite.itemSize(marshall(item))] as const);
    // Assess
    for (const [ours, theirs] of pairs) {
      expect(ours).toBeGreaterThanOrEqual(theirs);
      expect(ours).toBeLessThanOrEqual(theirs * 1.2 + 16);
    }
  });

  it("counts UTF-8 bytes, not characters", () => {
    // Prepare
    const ascii = { s: "aaaa" };
    const accented = { s: "ãããã" };
    // Act
    const sizes = [itemSize(ascii), itemSize(accented)];
    // Assess
    expect(sizes).toEqual([1 + 4, 1 + 8]);
  });
});

describe("toStorable", () => {
  it("turns Parquet and JS values into ones the document client writes and reads back", () => {
    // Prepare
    const value = {
      a: 1n,
      b: 2n ** 60n,
      c: new Date(0),
      d: undefined,
      e: Number.POSITIVE_INFINITY,
      f: new Set([1, 2]),
      g: new Map([["k", 1]]),
      h: [undefined],
    };
    // Act
    const stored = toStorable(value);
    // Assess
    expect(stored).toEqual({
      a: 1,
      b: NumberValue.from((2n ** 60n).toString()),
      c: "1970-01-01T00:00:00.000Z",
      e: null,
      f: [1, 2],
      g: { k: 1 },
      h: [null],
    });
    expect(() => marshall(stored as Record<string, unknown>)).not.toThrow();
  });
});
