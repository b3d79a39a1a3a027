import { describe, expect, it } from "vitest";
import { UnparseableFileError } from "../../src/bronze/errors";
import { Utf8Decoder } from "../../src/bronze/utf8";

function decodeIn(bytes: Uint8Array, size: number): string {
  const decoder = new Utf8Decoder();
  let text = "";
  for (let i = 0; i < bytes.length; i += size) text += decoder.decode(bytes.subarray(i, i + size));
  decoder.end();
  return text;
}

describe("Utf8Decoder", () => {
  it("decodes multi-byte characters split across chunks of any size", () => {
    // Prepare
    const text = 'ascii, ção, €, 🚗 and "quotes"';
    const bytes = new TextEncoder().encode(text);
    // Act
    const decoded = [1, 2, 3, 4, 5, 64].map((size) => decodeIn(bytes, size));
    // Assess
    expect(decoded).toEqual(Array(6).fill(text));
  });

  it("drops a leading byte-order mark, even when it arrives one byte at a time, but keeps a later one", () => {
    // Prepare
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d, 0xef, 0xbb, 0xbf]);
    // Act
    const decoded = [1, 2, 8].map((size) => decodeIn(bytes, size));
    // Assess
    expect(decoded).toEqual(Array(3).fill("{}\uFEFF"));
  });

  it("throws UnparseableFileError for invalid bytes and for a stream cut inside a character", () => {
    // Act / Assess
    expect(() => decodeIn(Uint8Array.from([0x61, 0xff, 0x62]), 8)).toThrow(UnparseableFileError);
    expect(() => decodeIn(Uint8Array.from([0x61, 0xc3, 0x28]), 1)).toThrow(/not valid UTF-8/);
    expect(() => decodeIn(Uint8Array.from([0x61, 0xf0, 0x9f]), 2)).toThrow(/ends inside a multi-byte character/);
    expect(() => decodeIn(Uint8Array.from([0xef, 0xbb]), 1)).toThrow(/ends inside a multi-byte character/);
  });
});
