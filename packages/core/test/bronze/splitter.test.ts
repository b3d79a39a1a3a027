import { describe, expect, it } from "vitest";
import { UnparseableFileError } from "../../src/bronze/errors";
import type { JsonSplitterOptions, RawValue } from "../../src/bronze/splitter";
import { JsonSplitter } from "../../src/bronze/splitter";

function split(
  input: string | Uint8Array,
  chunkSize = Infinity,
  options: Omit<JsonSplitterOptions, "onValue"> = {},
): RawValue[] {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  const values: RawValue[] = [];
  const splitter = new JsonSplitter({ ...options, onValue: (value) => values.push(value) });
  const size = Math.min(chunkSize, Math.max(bytes.length, 1));
  for (let i = 0; i < bytes.length; i += size) splitter.write(bytes.subarray(i, i + size));
  splitter.end();
  return values;
}

const texts = (values: RawValue[]) => values.map((v) => v.text);

describe("JsonSplitter", () => {
  it("splits NDJSON into one value per line with 1-based lines and 0-based indexes", () => {
    // Prepare
    const input = '{"a":1}\n\n{"b":"x:y"}\r\n{"c":[1,{"d":2}]}\n';
    // Act
    const values = split(input);
    // Assess
    expect(texts(values)).toEqual(['{"a":1}', '{"b":"x:y"}', '{"c":[1,{"d":2}]}']);
    expect(values.map((v) => [v.index, v.line])).toEqual([
      [0, 1],
      [1, 3],
      [2, 4],
    ]);
  });

  it("splits a top-level array into its elements, tracking the line each starts on", () => {
    // Prepare
    const input = '[\n  {"a": 1},\n  {\n    "b": [1, 2]\n  }, 3, "s", null\n]\n';
    // Act
    const values = split(input);
    // Assess
    expect(texts(values)).toEqual(['{"a": 1}', '{\n    "b": [1, 2]\n  }', "3", '"s"', "null"]);
    expect(values.map((v) => v.line)).toEqual([2, 3, 5, 5, 5]);
  });

  it("reads a single pretty-printed object and whitespace-separated concatenated values", () => {
    // Act
    const single = split('{\n  "a": {"b": "}"}\n}\n');
    const concatenated = split('{"a":1} {"b":2}{"c":3}\n7 true "x"');
    // Assess
    expect(texts(single)).toEqual(['{\n  "a": {"b": "}"}\n}']);
    expect(texts(concatenated)).toEqual(['{"a":1}', '{"b":2}', '{"c":3}', "7", "true", '"x"']);
  });

  it("yields the same values whatever the chunk size, escapes and multi-byte characters included", () => {
    // Prepare
    const input = '\uFEFF[{"k":"a\\"b\\\\","é":"ção 🚗"},\n{"k":"\\\\\\""}]\n{"z":1}\n';
    const asArray = input.replace(/\n\{"z":1\}\n$/, "");
    const ndjson = '{"k":"a\\"b\\\\","v":"🚗:"}\n{"k":"\\\\\\""}\n{"x":{"y":"}{"}}\n';
    // Act
    const whole = split(asArray);
    const whole2 = split(ndjson);
    // Assess
    for (const size of [1, 2, 3, 5, 7, 16]) {
      expect(texts(split(asArray, size))).toEqual(texts(whole));
      // Small chunks defeat the NDJSON fast path: the scan must find the same values.
      const where = (values: RawValue[]) => values.map(({ text, index, line }) => ({ text, index, line }));
      expect(where(split(ndjson, size))).toEqual(where(whole2));
    }
    expect(whole.map((v) => JSON.parse(v.text))).toEqual([{ k: 'a"b\\', é: "ção 🚗" }, { k: '\\"' }]);
  });

  it("counts the keys a scanned value writes, duplicates included, and leaves a line parsed whole uncounted", () => {
    // Act
    const [scanned] = split('[{"a":"x:y","b":{"c":1,"c":2}}]');
    const [fast] = split('{"a":"x:y","b":{"c":1,"c":2}}\n');
    // Assess
    expect(scanned!.writtenKeys).toBe(4);
    expect(scanned!.parsed).toBeUndefined();
    expect(fast!.writtenKeys).toBeUndefined();
    expect(fast!.parsed).toEqual({ a: "x:y", b: { c: 2 } });
  });

  it("flags an oversized value, keeping only a preview of its text", () => {
    // Prepare
    const big = `{"s":"${"x".repeat(5000)}"}`;
    // Act
    const values = split(`${big}\n{"ok":1}\n`, 512, { maxValueChars: 1000, previewChars: 10 });
    // Assess
    expect(values[0]).toMatchObject({ oversized: true, text: '{"s":"xxxx', length: big.length, index: 0 });
    expect(values[1]).toMatchObject({ oversized: false, text: '{"ok":1}', line: 2, index: 1 });
  });

  it("gives the cut-short last value of a stream as a value of its own (a bad record), keeping those before it", () => {
    // Act
    const values = split('{"a":1}\n{"b":2}\n{"c":', 4);
    // Assess
    expect(values.map((v) => [v.text, v.line, v.index])).toEqual([
      ['{"a":1}', 1, 0],
      ['{"b":2}', 2, 1],
      ['{"c":', 3, 2],
    ]);
  });

  it("flags a value nested deeper than the limit and goes on with the next one", () => {
    // Act
    const values = split(`{"a":${"[".repeat(10_000)}${"]".repeat(10_000)}}\n{"ok":1}`, 4096, { maxDepth: 32 });
    // Assess
    expect(values.map((v) => v.tooDeep)).toEqual([true, false]);
  });

  it.each([
    ["", /empty file/],
    ["  \n\t ", /empty file/],
    ['{"b":', /line 1 is never closed/],
    ['[{"a":1},{"b":2}', /top-level array is never closed/],
    ['[{"a":1} {"b":2}]', /expected ',' or ']'/],
    ['[{"a":1},]', /expected a value/],
    ['[{"a":1}] {"b":2}', /after the top-level array/],
    ['{"a":1},{"b":2}', /unexpected "," on line 1/],
    ['{"a":"unterminated}\n', /never closed/],
  ])("refuses the whole file %j: %s", (input, reason) => {
    // Act
    const attempt = () => split(input);
    // Assess
    expect(attempt).toThrow(UnparseableFileError);
    expect(attempt).toThrow(reason);
  });

  it("refuses bytes that are not UTF-8, even split across chunks", () => {
    // Prepare
    const latin1 = Uint8Array.from([...new TextEncoder().encode('{"a":"caf'), 0xe9, ...new TextEncoder().encode('"}')]);
    // Act / Assess
    expect(() => split(latin1)).toThrow(/not valid UTF-8/);
    expect(() => split(latin1, 3)).toThrow(/not valid UTF-8/);
    expect(() => split(Uint8Array.from([0x7b, 0x7d, 0x0a, 0xe2, 0x82]))).toThrow(/ends inside a multi-byte character/);
  });
});

describe("JsonSplitter with a records path", () => {
  const collection = [
    '{"type":"FeatureCollection","metadata":{"title":"x","note":"a ] } [ { \\" ,"},',
    '"bbox":[-1,2.5,null,true],',
    '"features":[',
    '  {"id":"a","properties":{"mag":1}},',
    '  {"id":"b","geometry":{"coordinates":[1,[2,3]]}}',
    '],"count":2}',
  ].join("\n");

  it("yields the elements of the array at the path and skips the rest of the envelope, at any chunk size", () => {
    for (const size of [1, 2, 7, 64, Infinity]) {
      // Act
      const values = split(collection, size, { records: ["features"] });
      // Assess
      expect(texts(values), `chunks of ${size}`).toEqual([
        '{"id":"a","properties":{"mag":1}}',
        '{"id":"b","geometry":{"coordinates":[1,[2,3]]}}',
      ]);
      expect(values.map((v) => [v.index, v.line])).toEqual([
        [0, 4],
        [1, 5],
      ]);
    }
  });

  it("follows a dotted path, escaped keys included, and reads each NDJSON envelope's records", () => {
    // Prepare
    const input = [
      '{"next":"p2","data":{"meta":{"items":[0]},"it\\u0065ms":[{"n":1},{"n":2}]}}',
      '{"data":{"items":[]}}',
      '{"data":{"items":null}}',
      '{"data":{}}',
      '{"data":{"items":[{"n":3}]},"next":null}',
    ].join("\n");
    // Act
    const values = split(input, 5, { records: ["data", "items"] });
    // Assess
    expect(texts(values)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(values.map((v) => [v.index, v.line])).toEqual([
      [0, 1],
      [1, 1],
      [2, 5],
    ]);
  });

  it.each([
    ['{"features":{"a":1}}', /features is not an array/],
    ['[{"features":[]}]', /at the top level \(expected an object holding features\)/],
    ['{"features":[{"a":1}', /the array features is never closed/],
    ['{"features":[],"x":1', /the top-level object is never closed/],
    ['{"features" [] }', /after a key \(expected ':'\)/],
  ])("refuses %s as a whole file", (input, reason) => {
    // Act
    const act = () => split(input, Infinity, { records: ["features"] });
    // Assess
    expect(act).toThrow(UnparseableFileError);
    expect(act).toThrow(reason);
  });
});
