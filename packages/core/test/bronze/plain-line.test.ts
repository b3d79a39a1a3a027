import { describe, expect, it } from "vitest";
import type { FlatRecord } from "../../src/bronze/column-buffer";
import { flatRecord } from "../../src/bronze/column-buffer";
import { plainLineReader } from "../../src/bronze/plain-line";
import { recordChecker, safeName } from "../../src/bronze/record";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import type { Field } from "../../src/dataset/spec";

const flags: Field[] = [
  { name: "id", type: "string", required: true },
  { name: "on", type: "boolean" },
  {
    name: "box",
    type: "struct",
    fields: [
      { name: "size", type: "double", required: true },
      { name: "label", type: "string" },
    ],
  },
];

// Every new kind of field: renamed keys, integers, dates, timestamps in each format, lists.
const shapes: Field[] = [
  { name: "id", type: "integer", required: true },
  { name: "us_gross", from: "US Gross", type: "double" },
  { name: "title", type: "string", required: true },
  { name: "day", type: "date" },
  { name: "released", type: "date", format: "MMM d yyyy" },
  { name: "at_ms", type: "timestamp", format: "epoch_ms" },
  { name: "at_s", type: "timestamp", format: "epoch_s" },
  { name: "local", type: "timestamp", format: "yyyy-MM-dd HH:mm:ss", timezone: "America/Sao_Paulo" },
  { name: "tags", type: "list", items: { type: "string" } },
  {
    name: "properties",
    type: "struct",
    fields: [
      { name: "time", type: "timestamp", format: "epoch_ms", required: true },
      { name: "mag", type: "double" },
      { name: "Beak_Length_mm", from: "Beak Length (mm)", type: "integer" },
    ],
  },
];

// What the general path makes of a value: its leaves depth first, null when absent, and a
// flag per struct. The plain reader must give exactly this for every line it claims.
function expectedFlat(
  fields: Field[],
  record: Record<string, unknown> | null,
  out: { leaves: unknown[]; present: number[] },
) {
  for (const field of fields) {
    const value = record?.[field.name];
    if (field.type === "struct") {
      const present = value !== null && typeof value === "object";
      out.present.push(present ? 1 : 0);
      expectedFlat(field.fields, present ? (value as Record<string, unknown>) : null, out);
    } else {
      out.leaves.push(value ?? null);
    }
  }
  return out;
}

// Lines around the plain case: valid ones, and each way a line can leave it.
function lines(): string[] {
  const base = {
    carChassis: "9BWZZZ377VT004251",
    Manufacturer: "Volkswagen",
    Model: "Gol",
    color: "white",
    currentMileage: 12000,
    metricTimestamp: "2024-03-01T08:00:00Z",
    metrics: { trip: { tripMileage: 12.5, tripFuelLiters: 1.5 }, fuel: { fuelAvailable: 30, fuelCapacity: 50 } },
  };
  const variants: unknown[] = [
    base,
    { ...base, metrics: null },
    { ...base, metrics: { trip: null } },
    { ...base, metrics: {} },
    { ...base, Manufacturer: null, Model: undefined },
    { metricTimestamp: "2024-03-01T08:00:00.123+03:00", currentMileage: -0, carChassis: "ç€😀" },
    { ...base, currentMileage: 0.1 },
    { ...base, currentMileage: 123456789012345 },
    { ...base, currentMileage: 1234567890123456 },
    { ...base, currentMileage: 1e21 },
    { ...base, currentMileage: 1.5e-7 },
    { ...base, currentMileage: -98765.4321 },
    { ...base, currentMileage: "12000" },
    { ...base, carChassis: null },
    { ...base, carChassis: 7 },
    { ...base, metricTimestamp: "2024-03-01 08:00" },
    { ...base, metricTimestamp: "2024-02-30T08:00:00Z" },
    { ...base, extraField: 1 },
    { ...base, metrics: { ...base.metrics, wheels: 4 } },
    { ...base, metrics: [] },
    { ...base, metrics: { trip: { tripMileage: true } } },
    { ...base, color: "tab\there" },
    { ...base, color: 'quote"here' },
    { ...base, color: "back\\slash" },
    { ...base, color: "\u2028" },
    { ...base, Model: "Gol", ModelYear: 2020 },
    [],
    "text",
  ];
  const out = variants.map((value) => JSON.stringify(value));
  const raw = JSON.stringify(base);
  out.push(
    raw.replace('"color":"white"', '"color" : "white"'),
    JSON.stringify(base, null, 1).replaceAll("\n", ""), // {"a": 1, …}, spaced as Python writes it
    raw.replaceAll(":", ": ").replaceAll(",", ", "),
    raw.replace("{", "{ ").replace(/}$/, " }"),
    raw.replace(":12000,", ":12000 ,"),
    raw.replace('"color":"white"', '"color":\t"white"'),
    raw.replace('"color":"white"', '"color":"white","color":"black"'),
    raw.replace("12000", "012000"),
    raw.replace("12000", "12000."),
    raw.replace("12000", "-"),
    raw.replace("12000", "1E3"),
    raw.replace("12000", "12000.0000000000000000000001"),
    raw.replace("12.5", ".5"),
    raw.replace('"white"', "nul"),
    raw.replace('"white"', "null"),
    raw.replace('"color"', '"col\\u006fr"'),
    `${raw}x`,
    `${raw.slice(0, -1)},}`,
    raw.slice(0, -1),
    raw.replace("{", "{ "),
    "{}",
    '{"carChassis":"a","currentMileage":1,"metricTimestamp":"2024-01-01T00:00:00Z"}',
  );
  // A deterministic spread of ordinary records, in varying key orders.
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = 0; i < 300; i++) {
    const record: Record<string, unknown> = {
      currentMileage: Math.round(random() * 1e7) / 10 ** Math.floor(random() * 4),
      carChassis: `C${i}`,
      metricTimestamp: new Date(Date.UTC(2024, 0, 1) + i * 37_000).toISOString(),
    };
    if (random() < 0.7)
      record.metrics = {
        fuel: { fuelCapacity: Math.floor(random() * 80), fuelAvailable: random() < 0.2 ? null : random() * 50 },
      }; // 17 digits: V8 converts those
    if (random() < 0.5) record.color = ["red", "blue", "Ünïcode"][i % 3];
    const keys = Object.keys(record).sort(() => random() - 0.5);
    out.push(JSON.stringify(Object.fromEntries(keys.map((key) => [key, record[key]]))));
  }
  return out;
}

function claimAll(fields: Field[], inputs: string[]) {
  const read = plainLineReader(fields, { safeName, maxDepth: 32 })!;
  const check = recordChecker(fields);
  const flat: FlatRecord = flatRecord(fields);
  let claimed = 0;
  for (const [index, text] of inputs.entries()) {
    // The reader sees the line inside a longer text, as the splitter gives it.
    const padded = `xx\n${text}\nyy`;
    if (!read(padded, 3, 3 + text.length, flat)) continue;
    claimed++;
    const general = check({
      text,
      index,
      line: 1,
      writtenKeys: undefined, // as for a line the splitter parses whole
      length: text.length,
      oversized: false,
      tooDeep: false,
    });
    expect(general, text).toMatchObject({ ok: true, extra: null, coerced: [] });
    if (!general.ok) continue;
    const expected = expectedFlat(fields, general.record, { leaves: [], present: [] });
    expect(
      flat.leaves.map((value) => (Object.is(value, -0) ? "-0" : value)),
      text,
    ).toEqual(expected.leaves.map((value) => (Object.is(value, -0) ? "-0" : value)));
    expect([...flat.present], text).toEqual(expected.present);
  }
  return claimed;
}

describe("plainLineReader", () => {
  it("claims only lines the general path accepts, with no unknown fields, and reads the values JSON.parse gives", () => {
    // Prepare
    const inputs = lines();
    // Act
    const claimed = claimAll(carTelemetry.fields, inputs);
    // Assess: the ordinary records and the plain variants (spaced ones too) are all claimed
    expect(claimed).toBeGreaterThanOrEqual(300 + 19);
  });

  it("leaves to the general path what it must judge: escapes, tabs, duplicates, unknown keys, bad or infinite numbers", () => {
    // Prepare
    const read = plainLineReader(carTelemetry.fields, { safeName, maxDepth: 32 })!;
    const flat = flatRecord(carTelemetry.fields);
    const raw = JSON.stringify({ carChassis: "C", currentMileage: 1, metricTimestamp: "2024-01-01T00:00:00Z" });
    const left = [
      raw.replace('"C"', '"C\\n"'),
      raw.replace('"C"', '"C\tD"'),
      raw.replace('"C"', '"C\u0001D"'), // a raw control character inside a string
      raw.replace('"C"', '"C\\\\"'), // an escaped backslash: the quote after it still ends the string
      raw.replace('"2024-01-01T00:00:00Z"', '"2024-01-01T00:00:00\\u005A"'),
      raw.replace(":1,", ":\t1,"),
      raw.replace(":1,", ":1\r,"),
      raw.replace('"currentMileage":1,', '"currentMileage":1,"currentMileage":2,'),
      raw.replace("{", '{"unknown":1,'),
      raw.replace(":1,", ":1e999,"),
      raw.replace(":1,", ":1e,"),
      raw.replace(":1,", ":01,"),
      raw.replace(":1,", ":1.,"),
      raw.replace(":1,", ":+1,"),
      raw.replace('"2024-01-01T00:00:00Z"', '"yesterday"'),
    ];
    // Act
    const verdicts = left.map((text) => read(text, 0, text.length, flat));
    // Assess
    expect(read(raw, 0, raw.length, flat)).toBe(true);
    expect(verdicts).toEqual(left.map(() => false));
  });

  it("leaves a blank required string to the general path, whatever its spaces, and reads one that is not blank", () => {
    // Prepare
    const read = plainLineReader(carTelemetry.fields, { safeName, maxDepth: 32 })!;
    const flat = flatRecord(carTelemetry.fields);
    const line = (chassis: string) =>
      JSON.stringify({ carChassis: chassis, currentMileage: 1, metricTimestamp: "2024-01-01T00:00:00Z" });
    const blank = ["", " ", "   ", "\u00a0", "\u3000", "\ufeff", " \u2028 "];
    const notBlank = ["\u00a0x", " x", "é", "x "];
    // Act
    const blankVerdicts = blank.map((chassis) => read(line(chassis), 0, line(chassis).length, flat));
    const values = notBlank.map((chassis) => read(line(chassis), 0, line(chassis).length, flat) && flat.leaves[0]);
    // Assess
    expect(blankVerdicts).toEqual(blank.map(() => false));
    expect(values).toEqual(notBlank);
  });

  it("leaves a line with an escape to the general path, and reads the lines around it", () => {
    // Prepare
    const read = plainLineReader(carTelemetry.fields, { safeName, maxDepth: 32 })!;
    const flat = flatRecord(carTelemetry.fields);
    const clean = JSON.stringify({ carChassis: "C", currentMileage: 1, metricTimestamp: "2024-01-01T00:00:00Z" });
    const escaped = clean.replace('"C"', '"C\\u0041"');
    const chunk = `${clean}\n${escaped}\n${clean}\n`;
    const starts = [0, clean.length + 1, clean.length + escaped.length + 2];
    const ends = [clean.length, clean.length + 1 + escaped.length, chunk.length - 1];
    // Act
    const verdicts = starts.map((start, i) => read(chunk, start, ends[i]!, flat));
    // Assess
    expect(verdicts).toEqual([true, false, true]);
    expect(flat.leaves[0]).toBe("C");
  });

  it("reads booleans and required fields inside structs the same way", () => {
    // Prepare
    const inputs = [
      '{"id":"a","on":true,"box":{"size":1}}',
      '{"id":"a","on":false,"box":{"size":-2.25,"label":"x"}}',
      '{"id":"a","on":null}',
      '{"id":"a","box":{"label":"x"}}',
      '{"id":"a","on":"true"}',
      '{"on":true}',
    ];
    // Act
    const claimed = claimAll(flags, inputs);
    // Assess
    expect(claimed).toBe(3);
  });

  it("reads renamed keys, integers, dates, timestamps in every format and absent lists as the general path does", () => {
    // Prepare
    const base = {
      id: 1,
      "US Gross": 1.5,
      title: "Up",
      day: "2024-02-29",
      released: "Jun 12 1998",
      at_ms: 1718000000123,
      at_s: 1718000000,
      local: "2024-03-10 23:30:00",
      tags: null,
      properties: { time: 1718000000000, mag: 2.5, "Beak Length (mm)": 38 },
    };
    const variants: unknown[] = [
      base,
      { ...base, id: -9007199254740991, tags: undefined, properties: { time: "1718000000000" } },
      { ...base, released: "Jun 2 1998", at_s: 1718000000.5, local: "2024-11-03 00:30:00" },
      { ...base, day: null, released: null, at_ms: null, at_s: null, local: null, "US Gross": null },
      { ...base, at_ms: 0 },
      { ...base, at_s: "1718000000" },
      { ...base, id: 123456789012345 },
      // What only the general path judges, or rejects:
      { ...base, id: 1.5 },
      { ...base, id: 2 ** 64 },
      { ...base, id: "1" },
      { ...base, title: " " },
      { ...base, title: 12 },
      { ...base, title: true },
      { ...base, day: "2023-02-29" },
      { ...base, day: "0000-01-01" },
      { ...base, released: "Jux 12 1998" },
      { ...base, at_ms: -1e15 },
      { ...base, at_s: 7e9 },
      { ...base, local: "2024-03-10T23:30:00" },
      { ...base, tags: ["a", null] },
      { ...base, tags: [] },
      { ...base, properties: { mag: 1 } },
      { ...base, properties: { ...base.properties, "Beak Length (mm)": 38.5 } },
      { ...base, us_gross: 1 },
    ];
    const inputs = variants.map((value) => JSON.stringify(value));
    inputs.push(
      JSON.stringify(base).replace(':1,"US Gross"', ':1.0,"US Gross"'),
      JSON.stringify(base).replace(':1,"US Gross"', ':1e0,"US Gross"'),
      JSON.stringify(base).replace(':1,"US Gross"', ':9223372036854775807,"US Gross"'),
    );
    // Act
    const claimed = claimAll(shapes, inputs);
    // Assess
    expect(claimed).toBe(7);
  });

  it("is not used for a spec whose field names need the general path's checks", () => {
    // Act
    const read = plainLineReader([{ name: "__proto__", type: "string" }], { safeName, maxDepth: 32 });
    // A key JSON writes escaped (a quote, a backslash, a control character) is never raw text in a line.
    const escapedNames = ['a"b', "a\\b", "a\tb"].map((name) =>
      plainLineReader([{ name, type: "string" }], { safeName, maxDepth: 32 }),
    );
    // Assess
    expect(read).toBeUndefined();
    expect(escapedNames).toEqual([undefined, undefined, undefined]);
  });
});
