import type { FileMetaData } from "hyparquet";
import { ByteWriter } from "hyparquet-writer/src/bytewriter.js";
import { writeIndexes } from "hyparquet-writer/src/indexes.js";
import { writeMetadata } from "hyparquet-writer/src/metadata.js";
import { schemaPathResolver } from "hyparquet-writer/src/schema.js";
import { snappyCompress } from "hyparquet-writer/src/snappy.js";
import { describe, expect, it } from "vitest";
import type { ChunkOptions, Leaf, LeafValues, ParquetOut, WrittenChunk } from "../../src/bronze/column-chunk";
import { presentLevels, writeColumnChunk } from "../../src/bronze/column-chunk";
import { writeFooter } from "../../src/bronze/encoder";
import { bronzeParquetSchema } from "../../src/dataset/schema";
import type { Field } from "../../src/dataset/spec";

describe("writeFooter", () => {
  it("writes the footer hyparquet-writer's writeMetadata writes, statistics, dictionaries and page indexes included", () => {
    // Prepare: a schema of every bronze type, and a chunk of each scalar with statistics, over pages
    const fields: Field[] = [
      { name: "make", type: "string" },
      { name: "km", type: "double" },
      { name: "count", type: "integer" },
      { name: "ok", type: "boolean" },
      { name: "trip", type: "struct", fields: [{ name: "fuel", type: "double" }] },
      { name: "tags", type: "list", items: { type: "string" } },
    ];
    const schema = bronzeParquetSchema(fields);
    const resolve = schemaPathResolver(schema);
    const n = 700;
    const rows = <T>(value: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => value(i));
    const out = new ByteWriter();
    out.appendUint32(0x31524150);
    const options: ChunkOptions = {
      codec: "SNAPPY",
      compressors: { SNAPPY: snappyCompress },
      statistics: true,
      pageSize: 512,
    };
    const written: WrittenChunk[] = [];
    const add = (names: string[], values: LeafValues, above?: number) => {
      const leaf: Leaf = {
        schemaPath: resolve(names).map((node) => node.element),
        values,
        definitionLevels: presentLevels(values, above),
        maxDefinitionLevel: names.length,
        maxRepetitionLevel: 0,
      };
      written.push(writeColumnChunk(out as ParquetOut, leaf, options));
    };
    add(["make"], {
      kind: "coded",
      dictionary: ["Fiat", "Škoda", "Opel"],
      codes: Int32Array.from(rows((i) => (i % 4) - 1)),
    });
    add(["km"], { kind: "double", values: Float64Array.from(rows((i) => (i % 7 ? i * 1.5 : Number.NaN))) });
    add(["count"], {
      kind: "int64",
      values: BigInt64Array.from(rows((i) => BigInt(i % 40) - 3n)),
      present: Uint8Array.from(rows((i) => Number(i % 9 !== 0))),
    });
    add(["ok"], { kind: "boolean", values: Int8Array.from(rows((i) => (i % 3) - 1)) });
    add(["trip", "fuel"], { kind: "double", values: Float64Array.from(rows((i) => i % 11)) }, 1);
    const columns = written.map(({ chunk }) => chunk);
    writeIndexes(out, written);
    const group = { columns, total_byte_size: 1234n, num_rows: BigInt(n), total_compressed_size: 567n };
    const metadata: FileMetaData = {
      version: 2,
      created_by: "hyparquet",
      schema,
      num_rows: BigInt(2 * n),
      row_groups: [group, group],
      metadata_length: 0,
    };
    // Act
    const ours = new ByteWriter();
    writeFooter(ours as ParquetOut, metadata);
    const theirs = new ByteWriter();
    writeMetadata(theirs, metadata);
    // Assess: the same bytes, and the fields they cover are there
    expect(Buffer.from(ours.getBytes()).equals(Buffer.from(theirs.getBytes()))).toBe(true);
    expect(columns.every(({ meta_data }) => meta_data?.statistics && meta_data.encoding_stats)).toBe(true);
    expect(columns.some(({ meta_data }) => meta_data?.dictionary_page_offset !== undefined)).toBe(true);
    expect(columns.some(({ offset_index_offset }) => offset_index_offset !== undefined)).toBe(true);
  });
});
