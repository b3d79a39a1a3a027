import { snappyCompress as reference } from "hyparquet-writer/src/snappy.js";
import { describe, expect, it } from "vitest";
import { snappyCompress } from "../../src/bronze/snappy";

// A deterministic pseudo-random sequence, so the inputs are the same every run.
function sequence(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
}
const random = sequence(11);
const bytes = (n: number, byte: (i: number) => number) => Uint8Array.from({ length: n }, (_, i) => byte(i));
const text = (n: number) => new TextEncoder().encode(Array.from({ length: n }, (_, i) => `row ${i % 97} é`).join(","));

const inputs: [string, Uint8Array][] = [
  ["nothing", new Uint8Array()],
  ["a few bytes", bytes(14, (i) => i)],
  ["one byte repeated", bytes(5000, () => 7)],
  ["random bytes (no match: the lookups skip ahead)", bytes(200_000, () => Math.floor(random() * 256))],
  ["repetitive text", text(20_000)],
  ["few distinct bytes", bytes(100_000, () => Math.floor(random() * 4))],
  [
    "repeats farther apart than 64 KB",
    bytes(300_000, (i) => (i % 70_000 < 100 ? i % 100 : Math.floor(random() * 256))),
  ],
  ["long literals between matches", bytes(50_000, (i) => (i % 5000 < 4900 ? Math.floor(random() * 256) : 1))],
];

describe("snappyCompress", () => {
  for (const [name, input] of inputs) {
    it(`compresses as hyparquet-writer does: ${name}`, () => {
      // Act
      const ours = Buffer.from(snappyCompress(input));
      // Assess
      expect(ours.equals(Buffer.from(reference(input)))).toBe(true);
    });
  }

  it("reuses its output: the bytes returned hold until the next call", () => {
    // Act
    const first = snappyCompress(text(10));
    const copy = Buffer.from(first);
    snappyCompress(bytes(1000, () => 9));
    // Assess
    expect(Buffer.from(first).equals(copy)).toBe(false);
    expect(copy.equals(Buffer.from(reference(text(10))))).toBe(true);
  });
});
