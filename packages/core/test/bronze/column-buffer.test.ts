import { describe, expect, it } from "vitest";
import { columnBuffer, textBuffer, unpackColumn, unpackText } from "../../src/bronze/column-buffer";
import { textColumnData } from "../../src/bronze/text-column";

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
});

describe("columnBuffer", () => {
  it("packs doubles, booleans and nested structs and unpacks them as hyparquet-writer takes them", () => {
    // Prepare
    const field = {
      name: "s",
      type: "struct" as const,
      fields: [
        { name: "d", type: "double" as const },
        { name: "b", type: "boolean" as const },
        { name: "t", type: "struct" as const, fields: [{ name: "text", type: "string" as const }] },
      ],
    };
    const buffer = columnBuffer(field, 4);
    const values = [{ d: 1.5, b: true, t: { text: "x" } }, null, { d: null, b: false, t: null }, { t: { text: null } }];
    for (const [row, value] of values.entries()) buffer.set(row, value);
    // Act
    const packed = buffer.pack(values.length);
    // Assess
    expect(unpackColumn(packed, field.fields)).toEqual([
      { d: 1.5, b: true, t: { text: "x" } },
      null,
      { d: null, b: false, t: null },
      { d: null, b: null, t: { text: null } },
    ]);
  });
});

describe("textColumnData", () => {
  it("gives distinct text as plain UTF-8 views and repeating text as strings", () => {
    // Prepare
    const distinct = textBuffer(4);
    for (const [row, value] of ["a1", null, "ñ2", "€3"].entries()) distinct.set(row, value);
    const repeating = textBuffer(4);
    for (const [row, value] of ["a", "a", "a", "a"].entries()) repeating.set(row, value);
    // Act
    const packed = distinct.pack(4);
    const plain = textColumnData(packed);
    const strings = textColumnData(repeating.pack(4));
    // Assess
    expect(packed).toMatchObject({ form: "joined", distinct: true });
    expect(plain.encoding).toBe("PLAIN");
    expect(plain.data.map((value) => (value instanceof Uint8Array ? new TextDecoder().decode(value) : value))).toEqual([
      "a1",
      null,
      "ñ2",
      "€3",
    ]);
    expect(strings).toEqual({ data: ["a", "a", "a", "a"] });
  });
});
