import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/dynamo/canonical";

describe("canonicalJson", () => {
  it("sorts object keys at every depth and keeps array order", () => {
    // Prepare
    const value = { b: 1, a: [3, { d: 4, c: [{ f: 1, e: 2 }] }] };
    // Act
    const text = canonicalJson(value);
    // Assess
    expect(text).toBe('{"a":[3,{"c":[{"e":2,"f":1}],"d":4}],"b":1}');
    expect(canonicalJson({ a: [3, { c: [{ e: 2, f: 1 }], d: 4 }], b: 1 })).toBe(text);
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it("writes what JSON cannot hold the way JSON would, and bigints and dates stably", () => {
    // Prepare
    const value = {
      skip: undefined,
      nan: Number.NaN,
      big: 2n ** 64n,
      day: new Date("2026-11-24T00:00:00Z"),
      list: [undefined],
      text: 'quote " here',
    };
    // Act
    const text = canonicalJson(value);
    // Assess
    expect(text).toBe(
      '{"big":18446744073709551616,"day":"2026-11-24T00:00:00.000Z","list":[null],"nan":null,"text":"quote \\" here"}',
    );
    expect(canonicalJson({ n: 5n })).toBe(canonicalJson({ n: 5 }));
  });
});
