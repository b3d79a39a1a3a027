import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import type { PackedRowGroup } from "../../src/bronze/packed-column";
import { transferList, unpackColumn, unpackText } from "../../src/bronze/packed-column";

describe("unpackText", () => {
  it("reads coded text back through its dictionary, -1 as absent", () => {
    // Act
    const values = unpackText({
      kind: "text",
      form: "coded",
      dictionary: ["a", "é"],
      codes: Int32Array.of(1, -1, 0, 1),
    });
    // Assess
    expect(values).toEqual(["é", null, "a", "é"]);
  });

  it("reads joined text back by each row's length in UTF-16 units, -1 as absent", () => {
    // Act
    const values = unpackText({
      kind: "text",
      form: "joined",
      joined: "ab🚗c",
      lengths: Int32Array.of(2, -1, 0, 2, 1),
      distinct: false,
    });
    // Assess
    expect(values).toEqual(["ab", null, "", "🚗", "c"]);
  });
});

describe("unpackColumn", () => {
  it("gives scalars and an object per struct row as hyparquet-writer takes them, null where absent", () => {
    // Prepare
    const fields = [
      { name: "d", type: "double" as const },
      { name: "b", type: "boolean" as const },
      { name: "t", type: "struct" as const, fields: [{ name: "text", type: "string" as const }] },
    ];
    // Act
    const rows = unpackColumn(
      {
        kind: "struct",
        present: Uint8Array.of(1, 0, 1),
        fields: [
          { kind: "double", values: Float64Array.of(-0.5, Number.NaN, Number.NaN) },
          { kind: "boolean", values: Int8Array.of(1, -1, 0) },
          {
            kind: "struct",
            present: Uint8Array.of(1, 0, 0),
            fields: [{ kind: "text", form: "coded", dictionary: ["x"], codes: Int32Array.of(0, -1, -1) }],
          },
        ],
      },
      fields,
    );
    // Assess
    expect(rows).toEqual([{ d: -0.5, b: true, t: { text: "x" } }, null, { d: null, b: false, t: null }]);
  });
});

describe("transferList", () => {
  it("lists every buffer of a row group, so postMessage moves them all instead of copying", async () => {
    // Prepare
    const group: PackedRowGroup = {
      rows: 2,
      columns: [
        { kind: "double", values: Float64Array.of(1, 2) },
        {
          kind: "struct",
          present: Uint8Array.of(1, 1),
          fields: [
            { kind: "boolean", values: Int8Array.of(0, 1) },
            { kind: "text", form: "joined", joined: "ab", lengths: Int32Array.of(1, 1), distinct: true },
          ],
        },
      ],
      extra: { kind: "text", form: "coded", dictionary: [], codes: Int32Array.of(-1, -1) },
      indexes: Int32Array.of(0, 1),
      lines: Int32Array.of(1, 2),
    };
    const { port1, port2 } = new MessageChannel();
    const received = new Promise<PackedRowGroup>((resolve) => port2.once("message", resolve));
    // Act
    const list = transferList(group);
    port1.postMessage(group, list);
    const copy = await received;
    port1.close();
    // Assess
    expect(list).toHaveLength(7);
    expect(list.every((buffer) => buffer.byteLength === 0)).toBe(true); // moved: detached on this side
    expect(unpackColumn(copy.columns[0]!)).toEqual([1, 2]);
    expect([...copy.lines]).toEqual([1, 2]);
  });
});
