import { unlink } from "node:fs/promises";
import type { MessagePort } from "node:worker_threads";
import type { ConvertOptions, ConvertProgress, ConvertResult, RejectedRecordInfo } from "./convert";
import { convertHere } from "./convert";
import { BronzeError, UnparseableFileError } from "./errors";
import { giveBack, takeWorker } from "./worker";

/**
 * A file's whole conversion (split, check, fill the columns, encode) on one worker thread, for
 * a process that converts several files at once (see `convertToBronze`): the calling thread
 * only reads the input and passes its bytes on, moved (not cloned) in batches, and hears back
 * the rejected records, the progress and the result. The worker encodes in place (no worker of
 * its own), so a file keeps one core busy, and N files N cores. It comes from the pool the
 * encoders use (`worker.ts`), and goes back to it when the file is done.
 */

// The input crosses in batches of about this size (one message each), and at most
// MAX_QUEUED_BYTES of it wait on the worker: memory stays bounded while the worker keeps busy.
const BATCH_BYTES = 1024 * 1024;
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

// What the worker is given of ConvertOptions: the data (the callbacks stay here, and the worker
// says when to call them), and only the spec's fields and record path.
type ConversionJob = Omit<ConvertOptions, "onRejected" | "onProgress" | "worker" | "offThread"> & {
  progress: boolean;
};

// The callbacks' calls, in the order the worker made them.
type ConversionEvent = { rejected: RejectedRecordInfo } | { progress: ConvertProgress };

/** Messages to a worker about a conversion (the encoder's are apart, in `worker.ts`). */
export type ToConverter =
  | { type: "convert"; job: ConversionJob }
  | { type: "bytes"; bytes: Uint8Array; ends: number[] }
  | { type: "end" };
type FromConverter =
  | { type: "taken"; bytes: number; events: ConversionEvent[] }
  | { type: "converted"; events: ConversionEvent[]; result: ConvertResult }
  | { type: "unconverted"; events: ConversionEvent[]; error: ErrorFields };

// What crosses for an error: a structured clone keeps neither an error's class nor its fields.
interface ErrorFields {
  name: string;
  message: string;
  stack?: string;
  line?: number;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

/**
 * Converts on a worker thread: the same Parquet bytes, result (but `parsedOn`), rejected records,
 * progress and errors (same class and message) as converting on this thread.
 * @param head the input's chunks already read
 * @param rest the rest of the input
 * @param options see {@link ConvertOptions}
 */
export async function convertOnWorker(
  head: Uint8Array[],
  rest: AsyncIterator<Uint8Array>,
  options: ConvertOptions,
): Promise<ConvertResult> {
  const rejected: RejectedRecordInfo[] = [];
  const reject = options.onRejected ?? ((record: RejectedRecordInfo) => void rejected.push(record));
  const replay = (events: ConversionEvent[]) => {
    for (const event of events)
      if ("rejected" in event) reject(event.rejected);
      else options.onProgress?.(event.progress);
  };
  const worker = takeWorker();
  let queued = 0;
  let result: ConvertResult | undefined;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const onMessage = (message: FromConverter) => {
    replay(message.events);
    if (message.type === "taken") queued -= message.bytes;
    else if (message.type === "converted") result = message.result;
    else failure ??= rebuilt(message.error);
    notify();
  };
  const onError = (error: Error) => {
    failure ??= error;
    notify();
  };
  const onExit = (code: number) => {
    failure ??= new BronzeError(
      `bronze conversion: the worker stopped (exit code ${code}) before the file was converted`,
    );
    notify();
  };
  worker.on("message", onMessage).on("error", onError).on("exit", onExit);
  const until = async (done: () => boolean) => {
    while (failure === undefined && !done()) await new Promise<void>((resolve) => (wake = resolve));
    if (failure !== undefined) throw failure;
  };
  const post = (message: ToConverter, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer);
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  // One copy per batch into a buffer of its own, which moves to the worker: a stream's chunks
  // may be views of buffers it still uses (or of Node's pool, which cannot move). Where each
  // chunk ends goes along, so the worker reads the very chunks read here (the progress's byte
  // counts and an encoding error's byte range depend on them).
  const flush = () => {
    if (batchBytes === 0) return;
    const bytes = new Uint8Array(batchBytes);
    const ends: number[] = [];
    let offset = 0;
    for (const chunk of batch) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
      ends.push(offset);
    }
    batch = [];
    batchBytes = 0;
    queued += bytes.byteLength;
    post({ type: "bytes", bytes, ends }, [bytes.buffer]);
  };
  const add = (chunk: Uint8Array) => {
    batch.push(chunk);
    batchBytes += chunk.byteLength;
    if (batchBytes >= BATCH_BYTES) flush();
  };
  let converted = false;
  try {
    post({ type: "convert", job: jobOf(options) });
    for (const chunk of head) add(chunk);
    for (;;) {
      await until(() => queued < MAX_QUEUED_BYTES);
      const next = await rest.next();
      if (next.done) break;
      add(next.value);
    }
    flush();
    post({ type: "end" });
    await until(() => result !== undefined);
    converted = true;
    return { ...result!, rejected, parsedOn: "worker" };
  } finally {
    worker.off("message", onMessage).off("error", onError).off("exit", onExit);
    if (converted) giveBack(worker);
    else {
      // As a failed conversion in place: the input closed, no partial Parquet file left behind.
      await worker.terminate();
      await rest.return?.();
      await unlink(options.parquetPath).catch(() => undefined);
    }
  }
}

function jobOf(options: ConvertOptions): ConversionJob {
  const { spec, sourceKey, parquetPath, progressEvery, maxRecordChars, maxDepth, rowGroupSize, codec } = options;
  const { name, landingPrefix, fields, records } = spec;
  return {
    spec: { name, landingPrefix, fields, ...(records === undefined ? {} : { records }) },
    sourceKey,
    parquetPath,
    progressEvery,
    maxRecordChars,
    maxDepth,
    rowGroupSize,
    codec,
    statistics: options.statistics,
    days: options.days,
    progress: options.onProgress !== undefined,
  };
}

// The worker's error, as the caller would have caught it converting in place.
function rebuilt({ name, message, stack, line, ...system }: ErrorFields): Error {
  const error =
    name === "UnparseableFileError"
      ? new UnparseableFileError(message, { line })
      : name === "BronzeError"
        ? new BronzeError(message)
        : Object.assign(new Error(message), { name });
  for (const [key, value] of Object.entries(system)) if (value !== undefined) Object.assign(error, { [key]: value });
  if (stack !== undefined) error.stack = stack;
  return error;
}

function fieldsOf(error: unknown): ErrorFields {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const { name, message, stack } = error;
  const { line, code, errno, syscall, path } = error as Error & Partial<ErrorFields>;
  return { name, message, stack, line, code, errno, syscall, path };
}

/**
 * The worker's side: for each `convert`, converts the bytes as they arrive, in place, and says
 * when it took each batch (with the callbacks' calls since the last), then the result or the
 * error. Messages of no conversion (the encoder's) are left to their own listener.
 * @param port the worker's port to the thread that started it
 */
export function serveConversion(port: MessagePort): void {
  const reply = (message: FromConverter) => port.postMessage(message);
  let queue: { bytes: Uint8Array; ends: number[] }[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  let events: ConversionEvent[] = [];
  const taken = () => {
    const said = events;
    events = [];
    return said;
  };
  async function* input(): AsyncIterable<Uint8Array> {
    for (;;) {
      const batch = queue.shift();
      if (batch) {
        reply({ type: "taken", bytes: batch.bytes.byteLength, events: taken() });
        let start = 0;
        for (const end of batch.ends) {
          yield batch.bytes.subarray(start, end);
          start = end;
        }
      } else if (ended) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  const convert = async ({ progress, ...job }: ConversionJob) => {
    try {
      const result = await convertHere(input(), {
        ...job,
        worker: false,
        onRejected: (record) => events.push({ rejected: record }),
        onProgress: progress ? (update) => events.push({ progress: update }) : undefined,
      });
      reply({ type: "converted", events: taken(), result });
    } catch (error) {
      reply({ type: "unconverted", events: taken(), error: fieldsOf(error) });
    }
  };
  port.on("message", (message: ToConverter | { type: string }) => {
    if (message.type === "convert") {
      queue = [];
      ended = false;
      events = [];
      void convert((message as Extract<ToConverter, { type: "convert" }>).job);
    } else if (message.type === "bytes") queue.push(message as Extract<ToConverter, { type: "bytes" }>);
    else if (message.type === "end") ended = true;
    else return;
    const resume = wake;
    wake = undefined;
    resume?.();
  });
}
