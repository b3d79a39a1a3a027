import { availableParallelism } from "node:os";
import type { CompressionCodec } from "hyparquet";
import type { DatasetSpec } from "../dataset/spec";
import { flatRecord } from "./column-buffer";
import type { PartitionDaySource } from "./days";
import { BronzeFile } from "./file";
import { convertOnWorker } from "./offload";
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
  /**
   * When the records are parsed on the calling thread: encode Parquet on a worker thread once the
   * file outgrows one row group (default: on a multi-core machine).
   */
  worker?: boolean;
  /**
   * Run the whole conversion (parse and encode) on one worker thread, the calling thread only
   * passing the bytes on. Default: for inputs over {@link OFF_THREAD_BYTES} when the process
   * converts several files at once (see {@link convertToBronze}).
   */
  offThread?: boolean;
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
  /**
   * Where the records were parsed: `caller` (the calling thread, Parquet encoded on a worker per
   * `worker`) or `worker` (the whole conversion on one worker thread, per `offThread`).
   */
  parsedOn: "caller" | "worker";
}

/**
 * Inputs up to this many bytes are converted on the calling thread even when the process
 * converts several files at once: a thread hop (a worker's start, the bytes passed on) costs
 * more than it saves on them.
 */
export const OFF_THREAD_BYTES = 4 * 1024 * 1024;

// Files this process converts at once, as declared with setConversionsAtOnce.
let conversionsAtOnce = 1;

/**
 * Declares how many files this process converts at once, which decides where
 * {@link convertToBronze} runs (see there). The default, 1, is a Lambda's: one file per
 * invocation, one invocation at a time. The embedded stack declares the ingestions it runs at
 * once (one per core).
 * @param count files converted at once from now on (1 or more)
 * @example setConversionsAtOnce(availableParallelism());
 */
export function setConversionsAtOnce(count: number): void {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`conversions at once: ${count} is not a count`);
  conversionsAtOnce = count;
}

/**
 * Converts a stream of landing JSON (object, array, NDJSON, or documents keeping their
 * records at the spec's `records` path) into one bronze Parquet file, record by record with
 * bounded memory. A file that cannot be split into records throws
 * {@link UnparseableFileError} and leaves no Parquet file behind.
 *
 * Where it runs is chosen here, once per file. A process that converts one file at a time (a
 * Lambda) parses it on the calling thread while a worker encodes its Parquet: the two overlap,
 * so one file uses two cores. A process that converts several at once (the embedded stack, see
 * {@link setConversionsAtOnce}) would parse them all on the calling thread's one core while that
 * thread also serves their I/O: there each file larger than {@link OFF_THREAD_BYTES} is
 * converted whole on a worker thread of its own (`offload.ts`), so N files use N cores and the
 * calling thread only reads and passes on their bytes. Either way the Parquet bytes, the result
 * and the errors are the same; the result's `parsedOn` says which ran.
 * @param input the file's bytes (an S3 body, a file stream)
 * @param options see {@link ConvertOptions}
 * @example
 * const result = await convertToBronze(createReadStream("readings.ndjson"), { spec: carTelemetry, sourceKey: "car_telemetry/readings.ndjson", parquetPath: "/tmp/out.parquet" });
 */
export async function convertToBronze(
  input: AsyncIterable<Uint8Array>,
  options: ConvertOptions,
): Promise<ConvertResult> {
  // One core has no other core to convert on.
  const offThread = options.offThread ?? (conversionsAtOnce > 1 && availableParallelism() > 1 ? undefined : false);
  if (offThread === false) return convertHere(input, options);
  // Unless told, a file goes to a worker only once it shows it is not small.
  const source = input[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (!offThread && headBytes <= OFF_THREAD_BYTES) {
    const next = await source.next();
    if (next.done) return convertHere(joined(head, source), options);
    head.push(next.value);
    headBytes += next.value.byteLength;
  }
  return convertOnWorker(head, source, options);
}

// The chunks already read, then the rest of the input (closed with it when the reader stops early).
async function* joined(head: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* head;
  yield* { [Symbol.asyncIterator]: () => rest };
}

/**
 * {@link convertToBronze} on this thread: the records parsed here, Parquet encoded per `worker`.
 * The conversion worker (`offload.ts`) runs it too, with `worker: false`.
 * @param input the file's bytes
 * @param options see {@link ConvertOptions}
 */
export async function convertHere(
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
  const plain = plainLineReader(spec.fields, { safeName, maxDepth });
  const flat = flatRecord(spec.fields);
  const splitter = new JsonSplitter({
    maxValueChars: maxRecordChars,
    maxDepth,
    records: spec.records?.split("."),
    claimLine:
      plain &&
      ((text, start, end, index, line) => {
        if (!plain(text, start, end, flat)) return false;
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
      parsedOn: "caller",
    };
  } catch (error) {
    await bronze.discard();
    throw error;
  }
}
