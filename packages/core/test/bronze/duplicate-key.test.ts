import { describe, expect, it } from "vitest";
import { countKeyColons, hasDuplicateKey } from "../../src/bronze/duplicate-key";

// The keys of every object of a parsed value, at any depth: what the record checker's walk counts.
function parsedKeys(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + parsedKeys(item), 0);
  return Object.values(value).reduce((sum: number, item) => sum + 1 + parsedKeys(item), 0);
}

const verdict = (text: string, writtenKeys?: number) =>
  hasDuplicateKey(text, writtenKeys, parsedKeys(JSON.parse(text)));

describe("countKeyColons", () => {
  it("counts the colons outside strings, escaped quotes and colons inside strings aside", () => {
    // Act
    const count = countKeyColons('{"a":"x:y","b\\":":{"c":1,"c":[{"d\\\\":":"}]}}');
    // Assess
    expect(count).toBe(5);
  });
});

describe("hasDuplicateKey", () => {
  const cases = [
    ["no key repeats", '{"a":1,"b":{"a":2,"c":[{"a":3}]}}', false],
    ["a key repeats at the top", '{"a":1,"b":2,"a":3}', true],
    ["a key repeats in a nested object", '{"a":1,"b":{"c":1,"c":2}}', true],
    ["a key repeats inside an array", '{"a":[{"c":1},{"c":2,"c":3}]}', true],
    ["strings hold quoted colons, no key repeats", '{"a":"\\":","b":"x\\": y","c":["\\" :"]}', false],
    ["strings hold quoted colons and a key repeats", '{"a":"\\":","a":"x"}', true],
    ["keys and colons are spaced", '{"a" : 1, "b"\t:\r\n{"a" :2}}', false],
    ["spaced keys repeat", '{"a" : 1, "a"\n: 2}', true],
  ] as const;

  it.each(cases)("when %s, judges a line parsed whole (its keys not yet counted)", (_case, text, duplicate) => {
    // Act / Assess
    expect(verdict(text)).toBe(duplicate);
  });

  it.each(cases)("when %s, judges a scanned value by the splitter's count", (_case, text, duplicate) => {
    // Act / Assess
    expect(verdict(text, countKeyColons(text))).toBe(duplicate);
  });
});
