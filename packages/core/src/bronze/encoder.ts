import type { CompressionCodec } from "hyparquet";
import type { ColumnSource } from "hyparquet-writer";
import { fileWriter, ParquetWriter } from "hyparquet-writer";
import { bronzeParquetSchema } from "../dataset/schema";
import type { Field } from "../dataset/spec";
import type { PackedRowGroup } from "./packed-column";
import { unpackColumn } from "./packed-column";
import { textColumnData } from "./text-column";

/** What a bronze file is written with; plain data, so it can be handed to a worker. */
export interface BronzeEncoderOptions {
  fields: Field[];
  /** Local path of the Parquet file to write. */
  path: string;
  /** Landing key, stored in `_source_key` on every row. */
  sourceKey: string;
  codec: CompressionCodec;
  /** Column statistics (min/max/nulls) in the footer: all, none, or only non-text columns. */
  statistics: boolean | "numeric";
}

/**
 * Encodes packed row groups into one Parquet file with hyparquet-writer, synchronously:
 * the same code runs on the caller's thread or on a worker (see `worker.ts`).
 */
export class BronzeEncoder {
  private readonly writer: ParquetWriter;
  private readonly options: BronzeEncoderOptions;

  constructor(options: BronzeEncoderOptions) {
    this.options = options;
    this.writer = new ParquetWriter({
      writer: fileWriter(options.path),
      schema: bronzeParquetSchema(options.fields),
      codec: options.codec,
      statistics: options.statistics !== false,
    });
  }

  /** Writes one row group. */
  write(group: PackedRowGroup): void {
    const { fields, sourceKey, statistics } = this.options;
    const n = group.rows;
    // "numeric": min/max for every column but the text ones.
    const textStatistics = statistics === "numeric" ? { statistics: false } : {};
    const columnData: ColumnSource[] = fields.map((field, c) => {
      const column = group.columns[c]!;
      if (column.kind === "text") return { name: field.name, ...textColumnData(column), ...textStatistics };
      return { name: field.name, data: unpackColumn(column, field.type === "struct" ? field.fields : []) };
    });
    columnData.push(
      { name: "_extra", ...textColumnData(group.extra), ...textStatistics },
      { name: "_source_key", data: new Array<string>(n).fill(sourceKey), ...textStatistics },
      // Ascending integers: their deltas pack into a few bits a row, where PLAIN takes 4 bytes
      // a row that Snappy cannot shrink (the two were half of a bronze file's bytes).
      { name: "_record_index", data: group.indexes, encoding: "DELTA_BINARY_PACKED" },
      { name: "_source_line", data: group.lines, encoding: "DELTA_BINARY_PACKED" },
    );
    // fileWriter is synchronous: the group is on disk (or in the OS) when write() returns.
    void this.writer.write({ columnData, rowGroupSize: n });
  }

  /** Writes the footer and closes the file. */
  finish(): void {
    void this.writer.finish();
  }
}
