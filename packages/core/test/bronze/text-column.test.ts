import { describe, expect, it } from "vitest";
import { textBuffer } from "../../src/bronze/column-buffer";
import { textColumnData } from "../../src/bronze/text-column";

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
