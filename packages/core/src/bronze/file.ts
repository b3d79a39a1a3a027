import { unlink } from "node:fs/promises";
import { availableParallelism } from "node:os";
import type { CompressionCodec } from "hyparquet";
import type { Field } from "../dataset/spec";
import type { ColumnBuffer, FlatRecord, RowColumns, TextBuffer } from "./column-buffer";
import { columnBuffer, rowColumns, textBuffer } from "./column-buffer";
import type { PartitionDaySource } from "./days";
import type { BronzeEncoderOptions } from "./encoder";
import type { PackedRowGroup } from "./packed-column";
import type { RowGroupSink } from "./worker";
import { inlineSink, workerSink } from "./worker";

/** Options of {@link BronzeFile}. */
export interface BronzeFileOptions {
  fields: Field[];
  /** Local path of the Parquet file to write. */
  path: string;
  /** Landing key, stored in `_source_key` on every row. */
  sourceKey: string;
  /**
   * Rows per row group: bounds memory (a few groups are buffered). The default is the
   * fastest size measured; larger groups are slower (`test/bench/ingest/NOTES.md`).
   */
  rowGroupSize?: number;
  codec?: CompressionCodec;
  /**
   * Column statistics (min/max/nulls) in the footer: all, (default) none, or only for
   * non-text columns. Bronze is read whole, by silver, so nothing uses them, and they cost
   * time to compute.
   */
  statistics?: boolean | "numeric";
  /**
   * Encode on a worker thread once the file outgrows its first row group (default: when
   * the machine has more than one core). Files of one group or less are encoded in place.
   */
  worker?: boolean;
  /**
   * The timestamp whose partition days {@link BronzeFile.close} reports in `partitionDays` (and
   * its rows in none in `rowsWithoutTimestamp`).
   */
  days?: PartitionDaySource;
}

/**
 * A bronze Parquet file written row group by row group: rows are buffered per column in
 * packed form ({@link ColumnBuffer}) and handed over every `rowGroupSize` rows, so memory
 * is bounded by a few groups. A file that outgrows its first group is encoded on a worker
 * thread while the caller keeps parsing; callers await {@link BronzeFile.ready} between
 * input chunks so the worker's queue stays short.
 */
export class BronzeFile {
  private readonly names: string[];
  private readonly rowGroupSize: number;
  private readonly encoding: BronzeEncoderOptions;
  private readonly useWorker: boolean;
  private readonly daySource: PartitionDaySource | undefined;
  private readonly buffers: ColumnBuffer[];
  /** The column buffers as the plain reader writes a row into them (at {@link BronzeFile.nextRow}). */
  readonly columns: RowColumns;
  private readonly extra: TextBuffer;
  private indexes: Int32Array;
  private lines: Int32Array;
  private sink: RowGroupSink | undefined;
  private held: PackedRowGroup | undefined;
  private size = 0;
  /** Rows written so far (handed over or buffered). */
  rows = 0;
  /** Once closed, the partition days of the rows written (sorted `yyyymmdd`), when a day source was given. */
  partitionDays: number[] | undefined;
  /** Once closed, the rows written without a usable partition timestamp, when a day source was given. */
  rowsWithoutTimestamp: number | undefined;

  constructor({
    fields,
    path,
    sourceKey,
    rowGroupSize = 10_000,
    codec = "SNAPPY",
    statistics = false,
    worker = availableParallelism() > 1,
    days,
  }: BronzeFileOptions) {
    this.encoding = { fields, path, sourceKey, codec, statistics };
    this.useWorker = worker;
    this.daySource = days;
    this.names = fields.map((field) => field.name);
    this.rowGroupSize = rowGroupSize;
    this.buffers = fields.map((field) => columnBuffer(field, rowGroupSize));
    this.columns = rowColumns(fields, this.buffers);
    this.extra = textBuffer(rowGroupSize);
    this.indexes = new Int32Array(rowGroupSize);
    this.lines = new Int32Array(rowGroupSize);
  }

  /** Buffers one accepted record; hands a row group over when the buffer is full. */
  append(record: Record<string, unknown>, extra: string | null, index: number, line: number): void {
    const size = this.size;
    for (let c = 0; c < this.names.length; c++) this.buffers[c]!.set(size, record[this.names[c]!]);
    this.extra.set(size, extra);
    this.endRow(index, line);
  }

  /** The row the next record is written to in {@link BronzeFile.columns}. */
  get nextRow(): number {
    return this.size;
  }

  /**
   * Buffers one accepted record read flat (no unknown fields), or ends the row it was
   * already written to ({@link FlatRecord.inColumns}).
   */
  appendFlat(flat: FlatRecord, index: number, line: number): void {
    const size = this.size;
    flat.leaf = 0;
    flat.struct = 0;
    if (!flat.inColumns) for (let c = 0; c < this.buffers.length; c++) this.buffers[c]!.setFlat(size, flat);
    this.extra.set(size, null);
    this.endRow(index, line);
  }

  /** Resolves when more rows may be appended (the encoder's queue is short); throws if encoding failed. */
  async ready(): Promise<void> {
    await this.sink?.ready();
  }

  /** Writes the last row group and the footer; returns the number of rows written. */
  async close(): Promise<number> {
    if (this.held) this.open(false);
    if (this.size > 0) {
      this.sink ??= inlineSink(this.encoding, this.daySource);
      this.sink.write(this.pack());
    }
    if (!this.sink) {
      this.partitionDays = this.daySource && [];
      this.rowsWithoutTimestamp = this.daySource && 0;
      return 0;
    }
    const counted = await this.sink.finish();
    this.partitionDays = counted?.days;
    this.rowsWithoutTimestamp = counted?.withoutTimestamp;
    return this.rows;
  }

  /** Stops encoding and removes the partial file, if one was started. */
  async discard(): Promise<void> {
    await this.sink?.abort();
    await unlink(this.encoding.path).catch(() => undefined);
  }

  private endRow(index: number, line: number): void {
    if (this.held) this.open(this.useWorker); // a row past the first group: worth a worker
    const size = this.size;
    this.indexes[size] = index;
    this.lines[size] = line;
    this.size = size + 1;
    this.rows++;
    if (this.size === this.rowGroupSize) {
      // The first full group waits until a further row shows the file needs more than one.
      if (this.sink) this.sink.write(this.pack());
      else this.held = this.pack();
    }
  }

  // Starts the encoder, on a worker or in place, and hands it the held first group.
  private open(onWorker: boolean): void {
    this.sink = onWorker ? workerSink(this.encoding, this.daySource) : inlineSink(this.encoding, this.daySource);
    this.sink.write(this.held!);
    this.held = undefined;
  }

  private pack(): PackedRowGroup {
    const n = this.size;
    const group: PackedRowGroup = {
      rows: n,
      columns: this.buffers.map((buffer) => buffer.pack(n)),
      extra: this.extra.pack(n),
      indexes: this.indexes.subarray(0, n),
      lines: this.lines.subarray(0, n),
    };
    this.indexes = new Int32Array(this.rowGroupSize);
    this.lines = new Int32Array(this.rowGroupSize);
    this.size = 0;
    return group;
  }
}
