import type { CompressionCodec } from "hyparquet";
import type { DatasetSpec } from "../dataset/spec";
import { flatRecord } from "./column-buffer";
import type { PartitionDaySource } from "./days";
import { BronzeFile } from "./file";
import { plainLineReader } from "./plain-line";
import { recordChecker, safeName } from "./record";
import { JsonSplitter } from "./splitter";

/** A record that did not make it to bronze. */
export interface RejectedRecordInfo {
  /** 0-based position of the record in the file. */
  index: number;
  /** 1-based line the record starts on. */
  line: number;
  reason: string;
  /** The record's text (a preview when it was over the size limit). */
  raw: string;
}

/** Progress of a conversion. */
export interface ConvertProgress {
  records: number;
  bytes: number;
}

/** Options of {@link convertToBronze}. */
export interface ConvertOptions {
  spec: DatasetSpec;
  /** Landing key, stored in `_source_key`. */
  sourceKey: string;
  /** Local path the Parquet file is written to (only when at least one record is accepted). */
  parquetPath: string;
  /** Receives each rejected record as it is found; without it they are collected in `rejected`. */
  onRejected?: (record: RejectedRecordInfo) => void;
  /** Called every `progressEvery` records. */
  onProgress?: (progress: ConvertProgress) => void;
  progressEvery?: number;
  /** Records longer than this many characters are rejected without being buffered. */
  maxRecordChars?: number;
  /** Records nested deeper than this are rejected. */
  maxDepth?: number;
  rowGroupSize?: number;
  codec?: CompressionCodec;
  /** Column statistics in the Parquet footer: all, (default) none, or non-text columns only. */
  statistics?: boolean | "numeric";
  /** Encode Parquet on a worker thread once the file outgrows one row group (default: on a multi-core machine). */
  worker?: boolean;
  /** The partition timestamp whose days the result lists (`partitionDays`), tallied as the rows are encoded. */
  days?: PartitionDaySource;
}

/** What a conversion did. `recordsIn` = `recordsBronze` + `recordsRejected`, always. */
export interface ConvertResult {
  recordsIn: number;
  recordsBronze: number;
  recordsRejected: number;
  /** Rejected records, when no `onRejected` was given. */
  rejected: RejectedRecordInfo[];
  /** Values taken as their JSON text (a number or boolean in a string field), per field path. */
  coerced: Record<string, number>;
  bytesIn: number;
  /** The Parquet file's path, or undefined when no record was accepted (no file written). */
  parquetPath: string | undefined;
  /**
   * With `days`: the partition days of the rows in bronze (rejected records are not there),
   * sorted `yyyymmdd`, as reading the file's timestamps back would give them.
   */
  partitionDays?: number[];
  /** With `days`: the rows in bronze without a usable partition timestamp (in none of those days). */
  rowsWithoutTimestamp?: number;
}

/**
 * Converts a stream of landing JSON (object, array, NDJSON, or documents keeping their
 * records at the spec's `records` path) into one bronze Parquet file, record by record with
 * bounded memory. A file that cannot be split into records throws
 * {@link UnparseableFileError} and leaves no Parquet file behind.
 * @param input the file's bytes (an S3 body, a file stream)
 * @param options see {@link ConvertOptions}
 * @example
 * const result = await convertToBronze(createReadStream("readings.ndjson"), { spec: carTelemetry, sourceKey: "car_telemetry/readings.ndjson", parquetPath: "/tmp/out.parquet" });
 */
export async function convertToBronze(
  input: AsyncIterable<Uint8Array>,
  {
    spec,
    sourceKey,
    parquetPath,
    onRejected,
    onProgress,
    progressEvery = 10_000,
    maxRecordChars = 1024 * 1024,
    maxDepth = 32,
    rowGroupSize,
    codec,
    statistics,
    worker,
    days,
  }: ConvertOptions,
): Promise<ConvertResult> {
  const bronze = new BronzeFile({
    fields: spec.fields,
    path: parquetPath,
    sourceKey,
    rowGroupSize,
    codec,
    statistics,
    worker,
    days,
  });
  const check = recordChecker(spec.fields, { maxDepth, maxRecordChars });
  const rejected: RejectedRecordInfo[] = [];
  const reject = onRejected ?? ((record: RejectedRecordInfo) => void rejected.push(record));
  let recordsIn = 0;
  let recordsRejected = 0;
  let bytesIn = 0;
  const coerced: Record<string, number> = {};
  const reportProgress = () => {
    if (onProgress && recordsIn % progressEvery === 0) onProgress({ records: recordsIn, bytes: bytesIn });
  };
  // Plain NDJSON lines go straight into the columns; the rest through JSON.parse and the checks.
  const plain = plainLineReader(spec.fields, { safeName, maxDepth, columns: bronze.columns });
  const flat = flatRecord(spec.fields);
  const splitter = new JsonSplitter({
    maxValueChars: maxRecordChars,
    maxDepth,
    records: spec.records?.split("."),
    claimLine:
      plain &&
      ((text, start, end, index, line) => {
        if (!plain(text, start, end, flat, bronze.nextRow)) return false;
        recordsIn++;
        bronze.appendFlat(flat, index, line);
        reportProgress();
        return true;
      }),
    onValue: (raw) => {
      recordsIn++;
      const result = check(raw);
      if (result.ok) {
        bronze.append(result.record, result.extra, raw.index, raw.line);
        for (const path of result.coerced) coerced[path] = (coerced[path] ?? 0) + 1;
      } else {
        recordsRejected++;
        reject({ index: raw.index, line: raw.line, reason: result.reason, raw: raw.text });
      }
      reportProgress();
    },
  });
  try {
    for await (const chunk of input) {
      bytesIn += chunk.length;
      splitter.write(chunk);
      await bronze.ready(); // lets the encoder catch up; memory stays bounded
    }
    splitter.end();
    const recordsBronze = await bronze.close();
    onProgress?.({ records: recordsIn, bytes: bytesIn });
    return {
      recordsIn,
      recordsBronze,
      recordsRejected,
      rejected,
      coerced,
      bytesIn,
      parquetPath: recordsBronze > 0 ? parquetPath : undefined,
      ...(bronze.partitionDays ? { partitionDays: bronze.partitionDays } : {}),
      ...(bronze.rowsWithoutTimestamp !== undefined ? { rowsWithoutTimestamp: bronze.rowsWithoutTimestamp } : {}),
    };
  } catch (error) {
    await bronze.discard();
    throw error;
  }
}
