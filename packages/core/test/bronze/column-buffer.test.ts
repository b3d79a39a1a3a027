import { describe, expect, it } from "vitest";
import type { FlatRecord } from "../../src/bronze/column-buffer";
import { AS_WRITTEN, columnBuffer, flatRecord, textBuffer } from "../../src/bronze/column-buffer";
import { unpackColumn, unpackText } from "../../src/bronze/packed-column";
import type { Field } from "../../src/dataset/spec";

const struct = {
  name: "s",
  type: "struct" as const,
  fields: [
    { name: "d", type: "double" as const },
    { name: "b", type: "boolean" as const },
    { name: "t", type: "struct" as const, fields: [{ name: "text", type: "string" as const }] },
  ],
};

// What the plain reader does with a text value it takes as written.
function keepAsWritten(flat: FlatRecord, start: number, length: number): void {
  flat.values[0] = AS_WRITTEN;
  flat.starts[0] = start;
  flat.ends[0] = start + length;
}

describe("textBuffer", () => {
  it("packs repeating values coded, with each distinct value once", () => {
    // Prepare
    const buffer = textBuffer(16); // up to 4 distinct values stay coded
    const values = ["a", "b", null, "a", "é", "b"];
    for (const [row, value] of values.entries()) buffer.set(row, value);
    // Act
    const packed = buffer.pack(values.length);
    // Assess
    expect(packed).toMatchObject({ form: "coded", dictionary: ["a", "b", "é"] });
    expect(unpackText(packed)).toEqual(values);
  });

  it("switches to joined once distinct values pass a quarter of the group, mid-group, and stays joined", () => {
    // Prepare
    const buffer = textBuffer(8); // at most 2 distinct values coded
    const first = ["x", null, "x", "y", "zé", "w"];
    const second = ["x", "x", null];
    // Act
    for (const [row, value] of first.entries()) buffer.set(row, value);
    const one = buffer.pack(first.length);
    for (const [row, value] of second.entries()) buffer.set(row, value);
    const two = buffer.pack(second.length);
    // Assess
    expect(one).toMatchObject({ form: "joined", joined: "xxyzéw", distinct: false }); // "x" had repeated
    expect(unpackText(one)).toEqual(first);
    expect(two).toMatchObject({ form: "joined", joined: "xx" });
    expect(unpackText(two)).toEqual(second);
  });

  it("marks a group distinct when no value repeated before the switch to joined", () => {
    // Prepare
    const buffer = textBuffer(4); // one distinct value coded
    // Act
    for (const [row, value] of ["t1", "t2", "t3"].entries()) buffer.set(row, value);
    const packed = buffer.pack(3);
    // Assess
    expect(packed).toMatchObject({ form: "joined", joined: "t1t2t3", distinct: true });
  });

  it("packs values given as a line's code units as it packs their strings, coded and joined", () => {
    // Prepare: rows given as strings (the general path) and as spans of a line's units (the
    // plain reader), mixed; wide characters, a value that is another's prefix, absent values
    const values = ["ab", "a", "ab", null, "Ünï", "a", "€uro", "ab", "x", "y", "z", "w", "€uro", "v", "ab", "u"];
    const text = `"${values.join('","')}"`;
    const units = Uint16Array.from(text, (c) => c.charCodeAt(0));
    const starts: number[] = [];
    for (let at = 1, i = 0; i < values.length; i++) {
      starts.push(at);
      at += (values[i] ?? "").length + 3;
    }
    const fromStrings = textBuffer(16); // up to 4 distinct values stay coded: the group switches to joined
    const fromUnits = textBuffer(16);
    const flat = flatRecord([{ name: "t", type: "string" }]);
    flat.text = text;
    flat.units = units;
    // Act: two groups, the second one joined from its start
    const packs = [0, 1].map(() => {
      for (const [row, value] of values.entries()) {
        fromStrings.set(row, value);
        flat.leaf = 0;
        if (value !== null && row % 3 !== 0) keepAsWritten(flat, starts[row]!, value.length);
        else flat.values[0] = value;
        fromUnits.setFlat(row, flat);
      }
      return [fromUnits.pack(values.length), fromStrings.pack(values.length)];
    });
    // Assess
    for (const [packed, expected] of packs) {
      expect(packed).toEqual(expected);
      expect(unpackText(packed!)).toEqual(values);
    }
    expect(packs.map(([packed]) => packed!.form)).toEqual(["joined", "joined"]);
  });

  it("finds a value given as code units among the values coded so far", () => {
    // Prepare
    const buffer = textBuffer(40);
    const text = '"red","blue","red","blu","blue"';
    const flat = flatRecord([{ name: "t", type: "string" }]);
    flat.text = text;
    flat.units = Uint16Array.from(text, (c) => c.charCodeAt(0));
    // Act
    for (const [row, [start, length]] of [
      [1, 3],
      [7, 4],
      [14, 3],
      [20, 3],
      [26, 4],
    ].entries()) {
      flat.leaf = 0;
      keepAsWritten(flat, start!, length!);
      buffer.setFlat(row, flat);
    }
    buffer.set(5, "blu");
    // Assess
    expect(buffer.pack(6)).toEqual({
      kind: "text",
      form: "coded",
      dictionary: ["red", "blue", "blu"],
      codes: Int32Array.from([0, 1, 0, 2, 1, 2]),
    });
  });
});

describe("columnBuffer", () => {
  it("packs doubles, booleans and nested structs, absent values at every level", () => {
    // Prepare
    const buffer = columnBuffer(struct, 4);
    const values = [{ d: 1.5, b: true, t: { text: "x" } }, null, { d: null, b: false, t: null }, { t: { text: null } }];
    for (const [row, value] of values.entries()) buffer.set(row, value);
    // Act
    const packed = buffer.pack(values.length);
    // Assess
    expect(unpackColumn(packed, struct.fields)).toEqual([
      { d: 1.5, b: true, t: { text: "x" } },
      null,
      { d: null, b: false, t: null },
      { d: null, b: null, t: { text: null } },
    ]);
  });

  it("packs the same columns from flat records as from the objects they stand for", () => {
    // Prepare
    const fields: Field[] = [{ name: "id", type: "string" }, struct, { name: "n", type: "double" }];
    // Each row as an object, and as the flat record the plain reader fills: leaves depth first, a flag per struct.
    const rows = [
      {
        object: { id: "a", s: { d: 1, b: true, t: { text: "x" } }, n: 2 },
        leaves: ["a", 1, true, "x", 2],
        present: [1, 1],
      },
      { object: { id: "b", s: null, n: null }, leaves: ["b", 9, false, "stale", null], present: [0, 1] },
      {
        object: { id: null, s: { d: null, b: null, t: null }, n: 3 },
        leaves: [null, null, null, "y", 3],
        present: [1, 0],
      },
    ];
    const fromObjects = fields.map((field) => columnBuffer(field, 4));
    const fromFlat = fields.map((field) => columnBuffer(field, 4));
    const flat = flatRecord(fields);
    // Act
    for (const [row, { object, leaves, present }] of rows.entries()) {
      for (const [c, field] of fields.entries()) fromObjects[c]!.set(row, object[field.name as keyof typeof object]);
      flat.leaves.splice(0, leaves.length, ...leaves);
      flat.present.set(present);
      flat.leaf = 0;
      flat.struct = 0;
      for (const buffer of fromFlat) buffer.setFlat(row, flat);
    }
    // Assess
    expect(fromFlat.map((buffer) => buffer.pack(rows.length))).toEqual(
      fromObjects.map((buffer) => buffer.pack(rows.length)),
    );
    expect(flat).toMatchObject({ leaf: 5, struct: 2 }); // cursors past every field, absent structs too
  });
});
