import { describe, expect, it } from "vitest";
import { recordChecker } from "../../src/bronze/record";
import type { RawValue } from "../../src/bronze/splitter";
import { JsonSplitter } from "../../src/bronze/splitter";
import { carTelemetry } from "../../src/dataset/car-telemetry";

const valid = { carChassis: "C1", currentMileage: 10, metricTimestamp: "2024-01-01T00:00:00Z" };

// Runs text through the splitter twice (fast NDJSON path and character scan) and checks each value.
function checkBothWays(text: string) {
  const check = recordChecker(carTelemetry.fields);
  const results = [];
  // A line starting with "[" would make the whole input a top-level array: scan path only.
  const inputs = text.startsWith("[") ? [`[${text}]`, `[${text}]`] : [`${text}\n`, `[${text}]`];
  for (const input of inputs) {
    const values: RawValue[] = [];
    const splitter = new JsonSplitter({ onValue: (v) => values.push(v) });
    splitter.write(new TextEncoder().encode(input));
    splitter.end();
    results.push(check(values[0]!));
  }
  expect(results[0]).toEqual(results[1]);
  return results[0]!;
}

describe("recordChecker", () => {
  it("accepts a valid record and keeps unknown fields, nested ones included, as _extra JSON", () => {
    // Act
    const result = checkBothWays(
      JSON.stringify({ ...valid, vin: "X", metrics: { trip: { tripMileage: 3, avg: 1 }, other: true } }),
    );
    // Assess
    expect(result).toEqual({
      ok: true,
      // Nothing to rename or convert: the record itself (bronze reads only the spec's fields).
      record: { ...valid, vin: "X", metrics: { trip: { tripMileage: 3, avg: 1 }, other: true } },
      extra: JSON.stringify({ vin: "X", metrics: { trip: { avg: 1 }, other: true } }),
      coerced: [],
    });
  });

  it("gives _extra null when every field is known, and accepts null for optional fields", () => {
    // Act
    const result = checkBothWays(JSON.stringify({ ...valid, Model: null, metrics: { trip: null } }));
    // Assess
    expect(result).toMatchObject({ ok: true, extra: null });
  });

  it.each([
    ["not an object (number)", "42", /not a JSON object \(got a number\)/],
    ["not an object (array)", "[1,2]", /not a JSON object \(got an array\)/],
    ["not an object (null)", "null", /not a JSON object \(got null\)/],
    ["invalid JSON", '{"carChassis":"C1",}', /invalid JSON/],
    [
      "NaN literal",
      '{"carChassis":"C1","currentMileage":NaN,"metricTimestamp":"2024-01-01T00:00:00Z"}',
      /invalid JSON/,
    ],
    [
      "overflowing number",
      '{"carChassis":"C1","currentMileage":1e999,"metricTimestamp":"2024-01-01T00:00:00Z"}',
      /currentMileage: number is not finite/,
    ],
    ["missing required", '{"carChassis":"C1","currentMileage":1}', /schema: metricTimestamp: required, but missing/],
    [
      "blank required",
      '{"carChassis":" \\t ","currentMileage":1,"metricTimestamp":"2024-01-01T00:00:00Z"}',
      /schema: carChassis: required, but blank/,
    ],
    [
      "wrong type",
      '{"carChassis":[7],"currentMileage":"10","metricTimestamp":"2024-01-01T00:00:00Z"}',
      /schema: carChassis: expected a string, got an array; currentMileage: expected a number, got "10"/,
    ],
    [
      "year 0000",
      '{"carChassis":"C1","currentMileage":1,"metricTimestamp":"0000-01-01T00:00:00Z"}',
      /schema: metricTimestamp: year 0 is outside 1900–2200/,
    ],
    [
      "bad timestamp",
      '{"carChassis":"C1","currentMileage":1,"metricTimestamp":"2024-02-30T00:00:00Z"}',
      /schema: metricTimestamp: expected an ISO-8601 timestamp with an offset or Z .*"2024-02-30T00:00:00Z"/,
    ],
    [
      "timestamp without offset",
      '{"carChassis":"C1","currentMileage":1,"metricTimestamp":"2024-01-01T00:00:00"}',
      /metricTimestamp/,
    ],
    [
      "wrong nested type",
      '{"carChassis":"C1","currentMileage":1,"metricTimestamp":"2024-01-01T00:00:00Z","metrics":{"fuel":{"fuelAvailable":"full"}}}',
      /schema: metrics\.fuel\.fuelAvailable/,
    ],
    [
      "duplicate key",
      '{"carChassis":"C1","carChassis":"C2","currentMileage":1,"metricTimestamp":"2024-01-01T00:00:00Z"}',
      /duplicate key/,
    ],
    [
      "nested duplicate key",
      '{"carChassis":"C1","currentMileage":1,"metricTimestamp":"2024-01-01T00:00:00Z","x":{"a":":","a":2}}',
      /duplicate key/,
    ],
    [
      "path traversal field name",
      '{"carChassis":"C1","currentMileage":1,"metricTimestamp":"2024-01-01T00:00:00Z","../../etc/passwd":1}',
      /unsafe field name "..\/..\/etc\/passwd"/,
    ],
    [
      "nested unsafe name",
      '{"carChassis":"C1","currentMileage":1,"metricTimestamp":"2024-01-01T00:00:00Z","m":[{"a\\u0000":1}]}',
      /m\[0\]: unsafe field name/,
    ],
    [
      "prototype key",
      '{"carChassis":"C1","currentMileage":1,"metricTimestamp":"2024-01-01T00:00:00Z","__proto__":{"x":1}}',
      /unsafe field name "__proto__"/,
    ],
    [
      "too deep",
      `{"carChassis":"C1","currentMileage":1,"metricTimestamp":"2024-01-01T00:00:00Z","d":${"[".repeat(40)}${"]".repeat(40)}}`,
      /deeper than 32 levels/,
    ],
  ])("rejects a record that is %s, with its reason", (_case, text, reason) => {
    // Act
    const result = checkBothWays(text);
    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it("rejects an oversized record without parsing it", () => {
    // Prepare
    const check = recordChecker(carTelemetry.fields, { maxRecordChars: 1_000_000 });
    const raw: RawValue = {
      text: "{not json",
      index: 0,
      line: 1,
      writtenKeys: undefined,
      length: 2_000_000,
      oversized: true,
      tooDeep: false,
    };
    // Act
    const result = check(raw);
    // Assess
    expect(result).toEqual({ ok: false, reason: "record is 2000000 characters, over the limit of 1000000" });
  });
});
