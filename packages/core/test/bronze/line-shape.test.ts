import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flatRecord } from "../../src/bronze/column-buffer";
import { BronzeFile } from "../../src/bronze/file";
import { plainLineReader } from "../../src/bronze/plain-line";
import { recordChecker, safeName } from "../../src/bronze/record";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import type { Field } from "../../src/dataset/spec";

// Every kind of field the plain reader reads, at two levels, optional and required.
const kinds: Field[] = [
  { name: "id", type: "integer", required: true },
  { name: "title", type: "string", required: true },
  { name: "us_gross", from: "US Gross", type: "double" },
  { name: "on", type: "boolean" },
  { name: "day", type: "date" },
  { name: "at", type: "timestamp" },
  { name: "at_ms", type: "timestamp", format: "epoch_ms" },
  { name: "tags", type: "list", items: { type: "string" } },
  {
    name: "box",
    type: "struct",
    fields: [
      { name: "size", type: "double", required: true },
      { name: "label", type: "string" },
      { name: "inner", type: "struct", fields: [{ name: "flag", type: "boolean" }] },
    ],
  },
];

// A deterministic pseudo-random sequence.
function randomFrom(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
}

// Lines of a few shapes (key orders, spacing, nulls, absent keys) in runs, as one program
// writes them, with lines that leave a shape midway: a bad or unplain value after the text
// values (which must then not be kept), an escape, an unknown key.
function kindLines(count: number): string[] {
  const random = randomFrom(11);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const shape = Math.floor(i / 25) % 4;
    const record: Record<string, unknown> = {
      id: i,
      title: `t${i % 13}`,
      "US Gross": random() < 0.2 ? null : Math.round(random() * 1e6) / 100,
      on: random() < 0.2 ? null : random() < 0.5,
      day: random() < 0.1 ? null : `2024-02-${String(1 + (i % 28)).padStart(2, "0")}`,
      at: new Date(Date.UTC(2024, 0, 1) + i * 61_000).toISOString(),
      at_ms: random() < 0.1 ? null : 1718000000000 + i,
      tags: null,
      box:
        random() < 0.1
          ? null
          : {
              size: -i / 4,
              label: random() < 0.3 ? null : `L${i % 7}`,
              inner: random() < 0.3 ? null : { flag: i % 2 === 0 },
            },
    };
    if (shape === 1) delete record.tags;
    let keys = Object.keys(record);
    if (shape === 2) keys = keys.reverse();
    let text = JSON.stringify(Object.fromEntries(keys.map((key) => [key, record[key]])));
    if (shape === 3) text = text.replaceAll(",", ", ");
    const odd = i % 17;
    if (odd === 5) text = text.replace(/"title":"[^"]*"/, `"title":"leaked-${i}"`).replace(/"id":\d+/, '"id":1.5');
    if (odd === 9) text = text.replace(/"title":"[^"]*"/, `"title":"esc\\u0041ped-${i}"`);
    if (odd === 13) text = text.replace("{", '{"unknown":1,');
    if (odd === 15) text = text.replace(/"at":"[^"]*"/, `"at":"2024-01-01T00:00:00.000+01:00"`);
    out.push(text);
  }
  return out;
}

function telemetryRecords(count: number): Record<string, unknown>[] {
  const random = randomFrom(3);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const record: Record<string, unknown> = {
      carChassis: `9BWZZZ377VT${String(Math.floor(random() * 40)).padStart(6, "0")}`,
      Manufacturer: random() < 0.1 ? null : ["Volkswagen", "Fiat", "Škoda"][i % 3],
      Model: `Model ${i % 9}`,
      color: random() < 0.5 ? "white" : "ünïcode",
      currentMileage: random() < 0.05 ? 1.5e21 : Math.floor(random() * 200_000),
      metricTimestamp: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
      metrics: {
        trip: { tripMileage: Math.round(random() * 3000) / 10, tripFuelLiters: Math.round(random() * 400) / 10 },
        fuel: random() < 0.1 ? null : { fuelAvailable: Math.floor(random() * 60), fuelCapacity: 60 },
      },
    };
    if (i % 40 >= 30) delete record.Model;
    out.push(record);
  }
  return out;
}

function telemetryLines(count: number): string[] {
  return telemetryRecords(count).map((record, i) => {
    let text = JSON.stringify(record);
    if (i % 23 === 7)
      text = text.replace(/"carChassis":"[^"]*"/, `"carChassis":"leaked-${i}"`).replace(/60}}}$/, "06}}}");
    if (i % 31 === 3) text = text.replace('"color":"', '"color":"\\t');
    return text;
  });
}

describe("LineShapes", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "medallion-line-shape-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  // Writes the lines to a bronze file as convertToBronze does: plain lines read flat (and, with
  // `shapes`, of a learned shape straight into the columns), the rest through the general path.
  async function write(name: string, fields: Field[], lines: string[], rowGroupSize: number, shapes: boolean) {
    const path = join(dir, name);
    const bronze = new BronzeFile({ fields, path, sourceKey: "k", rowGroupSize, worker: false });
    const read = plainLineReader(fields, { safeName, maxDepth: 32, columns: shapes ? bronze.columns : undefined })!;
    const check = recordChecker(fields);
    const flat = flatRecord(fields);
    let inColumns = 0;
    for (const [index, text] of lines.entries()) {
      // The reader sees each line inside a longer text, as the splitter gives it.
      const padded = `x\n${text}\n{"y"`;
      if (read(padded, 2, 2 + text.length, flat, bronze.nextRow)) {
        if (flat.inColumns) inColumns++;
        bronze.appendFlat(flat, index, index + 1);
        continue;
      }
      const raw = {
        text,
        index,
        line: index + 1,
        writtenKeys: undefined,
        length: text.length,
        oversized: false,
        tooDeep: false,
      };
      const result = check(raw);
      if (result.ok) bronze.append(result.record, result.extra, index, index + 1);
    }
    const rows = await bronze.close();
    return { bytes: await readFile(path), rows, inColumns };
  }

  for (const [name, fields, lines] of [
    ["car telemetry", carTelemetry.fields, telemetryLines(600)],
    ["every kind of field", kinds, kindLines(600)],
  ] as const)
    for (const rowGroupSize of [7, 64, 1000])
      it(`writes the same bronze file as the plain reader alone: ${name}, ${rowGroupSize} rows a group`, async () => {
        // Act
        const plain = await write(`plain-${rowGroupSize}.parquet`, fields, lines, rowGroupSize, false);
        const shaped = await write(`shaped-${rowGroupSize}.parquet`, fields, lines, rowGroupSize, true);
        // Assess: byte for byte, so a value of a line that left its shape midway is nowhere
        expect(plain.inColumns).toBe(0);
        expect(shaped.inColumns).toBeGreaterThan(lines.length / 4);
        expect(shaped.rows).toBe(plain.rows);
        expect(Buffer.compare(shaped.bytes, plain.bytes)).toBe(0);
      });

  it("leaves to the plain reader a line whose text between values is very long", async () => {
    // Prepare: the same records, spaced by a long run of blanks after a key, then not
    const lines = telemetryLines(60).map((line, i) =>
      i % 3 === 0 ? line.replace('":', `":${" ".repeat(200_000)}`) : line,
    );
    // Act
    const plain = await write("plain-long.parquet", carTelemetry.fields, lines, 50, false);
    const shaped = await write("shaped-long.parquet", carTelemetry.fields, lines, 50, true);
    // Assess
    expect(shaped.inColumns).toBeGreaterThan(0);
    expect(shaped.rows).toBe(plain.rows);
    expect(Buffer.compare(shaped.bytes, plain.bytes)).toBe(0);
  });

  it("reads lines of more shapes than it keeps, each of them right", async () => {
    // Prepare: 40 key orders, each in a run of 10 lines (spaced or not), all of them five times
    const random = randomFrom(5);
    const records = telemetryRecords(400);
    const orders = Array.from({ length: 40 }, () => Object.keys(records[0]!).sort(() => random() - 0.5));
    const lines: string[] = [];
    // Five rounds: the lines of shapes not kept pass the number after which a file stops learning.
    for (const round of [0, 1, 2, 3, 4])
      for (const [o, order] of orders.entries())
        for (let i = 0; i < 10; i++) {
          const record = records[(round * 200 + o * 10 + i) % records.length]!;
          const text = JSON.stringify(Object.fromEntries(order.map((key) => [key, record[key]])));
          lines.push(i % 2 ? text.replaceAll(",", ", ") : text);
        }
    // Act
    const plain = await write("plain-many.parquet", carTelemetry.fields, lines, 50, false);
    const shaped = await write("shaped-many.parquet", carTelemetry.fields, lines, 50, true);
    // Assess
    expect(shaped.inColumns).toBeGreaterThan(0);
    expect(Buffer.compare(shaped.bytes, plain.bytes)).toBe(0);
  });
});
