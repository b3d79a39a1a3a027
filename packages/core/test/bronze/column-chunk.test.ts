import type { CompressionCodec, Encoding, SchemaElement } from "hyparquet";
import { ByteWriter } from "hyparquet-writer/src/bytewriter.js";
import { writeColumn } from "hyparquet-writer/src/column.js";
import { snappyCompress } from "hyparquet-writer/src/snappy.js";
import { describe, expect, it } from "vitest";
import type { Leaf, LeafValues, ParquetOut } from "../../src/bronze/column-chunk";
import { presentLevels, writeColumnChunk } from "../../src/bronze/column-chunk";
import { slotCount } from "../../src/bronze/leaf-values";

// The column writer must write what hyparquet-writer's writeColumn writes for the same values:
// each case is written by both, from an offset, and the bytes and metadata compared.

type Value = string | number | bigint | boolean | null;

const optional = (name: string, type: SchemaElement["type"], extra: Partial<SchemaElement> = {}): SchemaElement => ({
  name,
  type,
  repetition_type: "OPTIONAL",
  ...extra,
});
const root: SchemaElement = { name: "root", num_children: 1 };
const text = (name = "t") => optional(name, "BYTE_ARRAY", { converted_type: "UTF8" });

// Each slot's JS value, as hyparquet-writer takes it.
function valuesOf(values: LeafValues): Value[] {
  switch (values.kind) {
    case "coded":
      return Array.from(values.codes, (code) => (code < 0 ? null : values.dictionary[code]!));
    case "joined": {
      let offset = 0;
      return Array.from(values.lengths, (length) => {
        if (length < 0) return null;
        offset += length;
        return values.joined.slice(offset - length, offset);
      });
    }
    case "double":
      return Array.from(values.values, (value) => (Number.isNaN(value) ? null : value));
    case "int64":
      return Array.from(values.values, (value, i) => (values.present[i] ? value : null));
    case "boolean":
      return Array.from(values.values, (value) => (value < 0 ? null : value === 1));
    case "int32":
      return Array.from(values.values);
  }
}

const coded = (strings: (string | null)[]): LeafValues => {
  const dictionary = [...new Set(strings.filter((value) => value !== null))];
  return {
    kind: "coded",
    dictionary,
    codes: Int32Array.from(strings, (value) => (value === null ? -1 : dictionary.indexOf(value))),
  };
};
const joined = (strings: (string | null)[]): LeafValues => ({
  kind: "joined",
  joined: strings.filter((value) => value !== null).join(""),
  lengths: Int32Array.from(strings, (value) => (value === null ? -1 : value.length)),
});
const doubles = (values: (number | null)[]): LeafValues => ({
  kind: "double",
  values: Float64Array.from(values, (value) => value ?? Number.NaN),
});
const flat = (element: SchemaElement, values: LeafValues, encoding?: Encoding): Leaf => ({
  schemaPath: [root, element],
  values,
  definitionLevels: presentLevels(values),
  maxDefinitionLevel: 1,
  maxRepetitionLevel: 0,
  encoding,
});

// A deterministic pseudo-random sequence, so the cases are the same every run.
function sequence(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
}
const random = sequence(7);
const pick = <T>(choices: T[]) => choices[Math.floor(random() * choices.length)]!;
const rows = <T>(n: number, value: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => value(i));

const cases: [string, Leaf][] = [
  ["repeating text, coded", flat(text(), coded(rows(3000, () => pick(["Fiat", "Škoda", null, "Volkswagen"]))))],
  // Codes out of order of appearance, and an entry no slot uses: the dictionary is renumbered.
  [
    "repeating text, coded out of order",
    flat(text(), {
      kind: "coded",
      dictionary: ["unused", "Fiat", "Seat", "Opel"],
      codes: Int32Array.from(rows(3000, (i) => [3, 1, -1, 2, 3][(i * i) % 5]!)),
    }),
  ],
  ["text whose dictionary does not pay, coded", flat(text(), coded(rows(300, (i) => (i % 3 ? `v${i}` : "same"))))],
  ["text the sample turns away, joined", flat(text(), joined(rows(5000, () => `car-${Math.floor(random() * 5000)}`)))],
  [
    "text the sample lets by but whose dictionary does not pay",
    flat(text(), joined(rows(2000, (i) => `x${i % 1200}`))),
  ],
  // Its sample (a slot every 60) is 87% distinct values, which passes; the whole chunk repeats enough to pay.
  ["text whose sample is mostly distinct", flat(text(), joined(rows(60_000, (i) => `k${Math.floor(i / 60) % 870}`)))],
  [
    "repeating text, joined, non-ASCII",
    flat(text(), joined(rows(2000, () => pick(["ç", "🚗", "😀 car", "\ud800", "\ufffd", null])))),
  ],
  ["distinct text written plain", flat(text(), joined(rows(500, (i) => (i % 7 ? `é-${i}` : null))), "PLAIN")],
  ["text over several pages", flat(text(), joined(rows(3000, (i) => `${"long ".repeat(20)}${i}`)), "PLAIN")],
  [
    "doubles that repeat, with signed zeros",
    flat(optional("d", "DOUBLE"), doubles(rows(4000, () => pick([0, -0, 1.5, null, 7])))),
  ],
  // Hundreds of distinct values that still pay: the hash table grows as they come.
  [
    "doubles with hundreds of values",
    flat(optional("d", "DOUBLE"), doubles(rows(40_000, (i) => (i % 4 ? 1 : i % 3000)))),
  ],
  // Its sample is half repeats; the whole chunk, half distinct, does not pay for a dictionary.
  ["doubles the sample lets by", flat(optional("d", "DOUBLE"), doubles(rows(10_000, (i) => (i < 5000 ? i % 50 : i))))],
  ["distinct doubles", flat(optional("d", "DOUBLE"), doubles(rows(4000, () => random() * 1000)))],
  [
    "doubles over several pages",
    flat(optional("d", "DOUBLE"), doubles(rows(300_000, () => Math.floor(random() * 10)))),
  ],
  [
    "64-bit integers",
    flat(optional("i", "INT64"), {
      kind: "int64",
      values: BigInt64Array.from(rows(3000, () => BigInt(Math.floor(random() * 40)))),
      present: Uint8Array.from(rows(3000, (i) => Number(i % 11 !== 0))),
    }),
  ],
  ["a few booleans", flat(optional("b", "BOOLEAN"), { kind: "boolean", values: Int8Array.of(1, 0, -1, 1, 1, 0) })],
  [
    "booleans",
    flat(optional("b", "BOOLEAN"), { kind: "boolean", values: Int8Array.from(rows(999, () => pick([1, 0, -1, 1]))) }),
  ],
  ["no value at all", flat(text(), coded(rows(100, () => null)))],
  ["one row", flat(optional("d", "DOUBLE"), doubles([3]))],
  [
    "required constant text",
    {
      schemaPath: [root, { ...text("k"), repetition_type: "REQUIRED" }],
      values: { kind: "coded", dictionary: ["landing/key.json"], codes: new Int32Array(700) },
      maxDefinitionLevel: 0,
      maxRepetitionLevel: 0,
    },
  ],
  [
    "ascending integers, delta packed",
    {
      schemaPath: [root, { name: "n", type: "INT32", repetition_type: "REQUIRED" }],
      values: { kind: "int32", values: Int32Array.from(rows(2000, (i) => 3 * i + 1) as number[]) },
      maxDefinitionLevel: 0,
      maxRepetitionLevel: 0,
      encoding: "DELTA_BINARY_PACKED",
    },
  ],
  [
    "a struct's field, every slot present",
    {
      schemaPath: [root, { name: "s", repetition_type: "OPTIONAL", num_children: 1 }, optional("d", "DOUBLE")],
      values: doubles(rows(5000, (i) => i % 9)),
      definitionLevels: "full",
      maxDefinitionLevel: 2,
      maxRepetitionLevel: 0,
    },
  ],
  [
    "a struct's field",
    {
      schemaPath: [root, { name: "s", repetition_type: "OPTIONAL", num_children: 1 }, optional("d", "DOUBLE")],
      values: doubles(rows(1000, (i) => (i % 3 ? i % 5 : null))),
      definitionLevels: Uint8Array.from(rows(1000, (i) => (i % 3 ? 2 : i % 2))),
      maxDefinitionLevel: 2,
      maxRepetitionLevel: 0,
    },
  ],
];

// A list's items (3 levels), rows of up to 5 items, some rows absent or empty, over pages.
const listRows = Array.from({ length: 40_000 }, () => Math.floor(random() * 7) - 1);
const listValues: (string | null)[] = [];
const definition: number[] = [];
const repetition: number[] = [];
for (const items of listRows) {
  if (items <= 0) {
    listValues.push(null);
    definition.push(items < 0 ? 0 : 1);
    repetition.push(0);
    continue;
  }
  for (let j = 0; j < items; j++) {
    const value = random() < 0.1 ? null : `item ${Math.floor(random() * 50)}`;
    listValues.push(value);
    definition.push(value === null ? 2 : 3);
    repetition.push(j === 0 ? 0 : 1);
  }
}
cases.push([
  "a list's items over several pages",
  {
    schemaPath: [
      root,
      { name: "l", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      text("element"),
    ],
    values: joined(listValues),
    definitionLevels: definition,
    repetitionLevels: repetition,
    maxDefinitionLevel: 3,
    maxRepetitionLevel: 1,
  },
]);

// Writes a leaf both ways, after the same few bytes, and returns the two outputs.
function writeBoth(
  leaf: Leaf,
  { codec, statistics, pageSize }: { codec: CompressionCodec; statistics: boolean; pageSize: number },
) {
  const compressors = { SNAPPY: snappyCompress };
  const ours = new ByteWriter();
  const theirs = new ByteWriter();
  for (const out of [ours, theirs]) out.appendUint32(0x31524150);
  const written = writeColumnChunk(ours as ParquetOut, leaf, { codec, compressors, statistics, pageSize });
  const reference = writeColumn({
    writer: theirs,
    column: {
      columnName: leaf.schemaPath.at(-1)!.name,
      element: leaf.schemaPath.at(-1)!,
      schemaPath: leaf.schemaPath,
      codec,
      compressors,
      stats: statistics,
      pageSize,
      columnIndex: false,
      offsetIndex: true,
      encoding: leaf.encoding,
    },
    pageData: {
      values: valuesOf(leaf.values),
      definitionLevels:
        leaf.definitionLevels === "full"
          ? new Array(slotCount(leaf.values)).fill(leaf.maxDefinitionLevel)
          : Array.from(leaf.definitionLevels ?? []),
      repetitionLevels: Array.from(leaf.repetitionLevels ?? []),
      maxDefinitionLevel: leaf.maxDefinitionLevel,
    },
  });
  return { ours: { bytes: ours.getBytes(), ...written }, theirs: { bytes: theirs.getBytes(), ...reference } };
}

describe("writeColumnChunk", () => {
  for (const [name, leaf] of cases) {
    it(`writes what hyparquet-writer writes: ${name}`, () => {
      for (const options of [
        { codec: "SNAPPY" as const, statistics: false, pageSize: 1 << 20 },
        { codec: "UNCOMPRESSED" as const, statistics: true, pageSize: 4096 },
      ]) {
        // Act
        const { ours, theirs } = writeBoth(leaf, options);
        // Assess
        expect(ours.chunk).toEqual(theirs.chunk);
        expect(ours.offsetIndex).toEqual(theirs.offsetIndex);
        expect(Buffer.from(ours.bytes).equals(Buffer.from(theirs.bytes))).toBe(true);
      }
    });
  }

  it("keeps a dictionary where it pays, and starts a page every pageSize bytes at a row boundary", () => {
    // Act
    const write = (name: string) =>
      writeBoth(cases.find(([title]) => title === name)![1], { codec: "SNAPPY", statistics: false, pageSize: 1 << 20 })
        .ours;
    const encodings = (name: string) => write(name).chunk.meta_data!.encodings;
    const pages = (name: string) => write(name).offsetIndex?.page_locations.length ?? 1;
    // Assess: the comparisons above are only worth as much as the paths they take
    expect(encodings("repeating text, coded")).toEqual(["PLAIN", "RLE_DICTIONARY"]);
    expect(encodings("text the sample turns away, joined")).toEqual(["PLAIN"]);
    expect(encodings("text whose sample is mostly distinct")).toEqual(["PLAIN", "RLE_DICTIONARY"]);
    expect(encodings("distinct text written plain")).toEqual(["PLAIN"]);
    expect(encodings("booleans")).toEqual(["RLE"]);
    expect(encodings("doubles the sample lets by")).toEqual(["PLAIN"]);
    expect(encodings("doubles with hundreds of values")).toEqual(["PLAIN", "RLE_DICTIONARY"]);
    expect(encodings("repeating text, coded out of order")).toEqual(["PLAIN", "RLE_DICTIONARY"]);
    expect(encodings("text the sample lets by but whose dictionary does not pay")).toEqual(["PLAIN"]);
    expect(pages("doubles over several pages")).toBe(2);
  });
});
