import { describe, expect, it } from "vitest";
import { recordChecker } from "../../src/bronze/record";
import type { RawValue } from "../../src/bronze/splitter";
import { exactInteger } from "../../src/bronze/values";
import type { Field } from "../../src/dataset/spec";

const fields: Field[] = [
  { name: "id", type: "integer", required: true },
  { name: "title", type: "string" },
  { name: "us_gross", from: "US Gross", type: "double" },
  { name: "released", type: "date", format: "MMM d yyyy" },
  { name: "at", type: "timestamp", format: "epoch_ms" },
  {
    name: "geometry",
    type: "struct",
    fields: [{ name: "coordinates", type: "list", items: { type: "double" } }],
  },
  {
    name: "cast",
    type: "list",
    items: {
      type: "struct",
      fields: [
        { name: "name", type: "string", required: true },
        { name: "born", type: "date" },
      ],
    },
  },
];

function check(text: string) {
  const raw: RawValue = {
    text,
    index: 0,
    line: 1,
    writtenKeys: undefined,
    length: text.length,
    oversized: false,
    tooDeep: false,
  };
  return recordChecker(fields)(raw);
}

describe("recordChecker on the spec's value types", () => {
  it("keeps integers exact beyond 2^53, as bigints, and within it as numbers", () => {
    // Act
    const big = check('{"id":9223372036854775807}');
    const negative = check('{"id":-9223372036854775808}');
    const small = check('{"id":9007199254740991}');
    const written = check('{"id":1.0e3}');
    // Assess
    expect(big).toMatchObject({ ok: true, record: { id: 9223372036854775807n } });
    expect(negative).toMatchObject({ ok: true, record: { id: -9223372036854775808n } });
    expect(small).toMatchObject({ ok: true, record: { id: 9007199254740991 } });
    expect(written).toMatchObject({ ok: true, record: { id: 1000 } });
  });

  it.each([
    ['{"id":1.5}', /id: expected an integer, got 1\.5 \(it has a fraction\)/],
    ['{"id":9007199254740993.5}', /id: expected a 64-bit integer: 9007199254740993\.5 has a fraction/],
    ['{"id":9223372036854775808}', /id: expected a 64-bit integer: .* outside the 64-bit integer range/],
    ['{"id":"7"}', /id: expected an integer, got "7"/],
    ['{"id":1,"released":"Jun 31 1998"}', /released: "Jun 31 1998" is not a date as "MMM d yyyy"/],
    ['{"id":1,"at":-1e13}', /at: year 1653 is outside 1900–2200/],
    ['{"id":1,"geometry":{"coordinates":[1,"x"]}}', /geometry\.coordinates\[1\]: expected a number, got "x"/],
    ['{"id":1,"cast":[{"name":"a"},{"born":"2001-01-01"}]}', /cast\[1\]\.name: required, but missing/],
    ['{"id":1,"cast":{"name":"a"}}', /cast: expected a list, got an object/],
  ])("rejects %s with its reason", (text, reason) => {
    // Act
    const result = check(text);
    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it("takes a number or boolean in a string field as its JSON text, as written, and counts it", () => {
    // Act
    const results = ["1.50", "12345678901234567890", "true", "-0", "1e3"].map((value) =>
      check(`{"id":1,"title":${value}}`),
    );
    // Assess
    expect(results.map((r) => r.ok && r.record.title)).toEqual(["1.50", "12345678901234567890", "true", "-0", "1e3"]);
    expect(results.map((r) => r.ok && r.coerced)).toEqual(results.map(() => ["title"]));
  });

  it("reads renamed keys, pattern dates, epoch times, lists of numbers and of structs", () => {
    // Act
    const result = check(
      JSON.stringify({
        id: 7,
        "US Gross": 1e6,
        released: "Jun 2 1998",
        at: 1718000000123,
        geometry: { coordinates: [-117.5, 33.9, null] },
        cast: [{ name: "Ann", born: "1970-01-31" }, null, { name: "Bo" }],
      }),
    );
    // Assess
    expect(result).toEqual({
      ok: true,
      record: {
        id: 7,
        title: null,
        us_gross: 1e6,
        released: "1998-06-02",
        at: "2024-06-10T06:13:20.123Z",
        geometry: { coordinates: [-117.5, 33.9, null] },
        cast: [{ name: "Ann", born: "1970-01-31" }, null, { name: "Bo" }],
      },
      extra: null,
      coerced: [],
    });
  });

  it("keeps an unknown field's long integer exactly as written in _extra", () => {
    // Act
    const result = check('{"id":1,"ref":12345678901234567890,"note":{"n":1.50}}');
    // Assess
    expect(result).toMatchObject({ ok: true, extra: '{"ref":12345678901234567890,"note":{"n":1.50}}' });
  });
});

describe("exactInteger", () => {
  it("reads integral spellings exactly and refuses fractions and the out-of-range", () => {
    // Act
    const values = ["0", "-0", "12.000", "1e18", "12e-1", "120e-1", "-9223372036854775809"].map(exactInteger);
    // Assess
    expect(values).toEqual([
      0n,
      0n,
      12n,
      1000000000000000000n,
      "12e-1 has a fraction",
      12n,
      "-9223372036854775809 is outside the 64-bit integer range",
    ]);
  });
});
