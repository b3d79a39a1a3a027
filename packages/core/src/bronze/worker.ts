import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { PartitionDayCount, PartitionDaySource } from "./days";
import { PartitionDayTally } from "./days";
import type { BronzeEncoderOptions } from "./encoder";
import { BronzeEncoder } from "./encoder";
import type { PackedRowGroup } from "./packed-column";
import { transferList } from "./packed-column";
import { bundledSources } from "./worker-sources";

/**
 * Encoding bronze Parquet on a worker thread, so parsing and checking records (this
 * thread) and encoding them (the worker) use two cores. The worker runs this very module:
 * from a bundle (a Lambda built by SST) that is the bundle itself, which holds this code;
 * from the TypeScript sources (CLI, tests) it runs them bundled by esbuild. Workers are kept
 * between files (one per core at most), each encoding one file at a time.
 */

/** Where {@link BronzeFile} hands its packed row groups. */
export interface RowGroupSink {
  /** Takes one row group (its buffers move to the sink). */
  write(group: PackedRowGroup): void;
  /** Resolves when the sink can take more: at most a few groups wait, so memory stays bounded. */
  ready(): Promise<void>;
  /**
   * Writes the footer; resolves when the file is complete, with the partition days of its rows
   * (and the count of rows in none) when the sink was given a {@link PartitionDaySource}.
   */
  finish(): Promise<PartitionDayCount | undefined>;
  /** Stops without finishing the file. */
  abort(): Promise<void>;
}

type ToWorker =
  | { type: "open"; options: BronzeEncoderOptions; days?: PartitionDaySource }
  | { type: "group"; group: PackedRowGroup }
  | { type: "finish" };
type FromWorker =
  | { type: "written" }
  | { type: "finished"; days?: PartitionDayCount }
  | { type: "failed"; message: string; stack?: string };

const ROLE = "medallion-bronze-encoder";
// Groups queued on the worker before the reader waits: bounds memory, yet covers the
// worker's start-up (the reader keeps filling groups meanwhile) and keeps both threads busy.
const MAX_QUEUED = 16;

/**
 * Encodes on this thread (small files: starting a worker would cost more than it saves).
 * @param options what the file is written with
 * @param days the timestamp whose partition days `finish()` reports, if any
 */
export function inlineSink(options: BronzeEncoderOptions, days?: PartitionDaySource): RowGroupSink {
  const file = encodingFile(options, days);
  return {
    write: (group) => file.write(group),
    ready: async () => undefined,
    finish: async () => file.finish(),
    abort: async () => undefined,
  };
}

// One file's encoder and, with a day source, the tally of its rows' days: what a sink runs, on
// this thread or on the worker.
function encodingFile(
  options: BronzeEncoderOptions,
  days: PartitionDaySource | undefined,
): { write(group: PackedRowGroup): void; finish(): PartitionDayCount | undefined } {
  const encoder = new BronzeEncoder(options);
  const tally = days && new PartitionDayTally(options.fields, days);
  return {
    write(group) {
      tally?.add(group);
      encoder.write(group);
    },
    finish() {
      encoder.finish();
      return tally?.result();
    },
  };
}

/**
 * Encodes on a worker thread. Errors of the worker (a failed write, a crash) surface from
 * the next `ready()` or from `finish()`. The worker comes from a pool kept across files (see
 * {@link takeWorker}): a file that finishes gives it back, one that fails or is abandoned
 * ends it. The partition days are tallied there too, off the thread that parses records.
 * @param options what the file is written with
 * @param days the timestamp whose partition days `finish()` reports, if any
 */
export function workerSink(options: BronzeEncoderOptions, days?: PartitionDaySource): RowGroupSink {
  const worker = takeWorker();
  let queued = 0;
  let failure: Error | undefined;
  let finished = false;
  let finishedDays: PartitionDayCount | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  const onMessage = (message: FromWorker) => {
    if (message.type === "written") queued--;
    else if (message.type === "finished") {
      finished = true;
      finishedDays = message.days;
    } else failure ??= Object.assign(new Error(`bronze encoder: ${message.message}`), { stack: message.stack });
    notify();
  };
  const onError = (error: Error) => {
    failure ??= error;
    notify();
  };
  const onExit = (code: number) => {
    if (!finished)
      failure ??= new Error(`bronze encoder: the worker stopped (exit code ${code}) before the file was finished`);
    notify();
  };
  worker.on("message", onMessage).on("error", onError).on("exit", onExit);
  let released = false;
  const release = async (reusable: boolean) => {
    if (released) return;
    released = true;
    worker.off("message", onMessage).off("error", onError).off("exit", onExit);
    if (reusable) giveBack(worker);
    else await worker.terminate();
  };
  const until = async (done: () => boolean) => {
    while (!failure && !done()) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure;
  };
  const post = (message: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer);
  post({ type: "open", options, days });
  return {
    write(group) {
      queued++;
      post({ type: "group", group }, transferList(group));
    },
    ready: () => until(() => queued < MAX_QUEUED),
    async finish() {
      post({ type: "finish" });
      let done = false;
      try {
        await until(() => finished);
        done = true;
      } finally {
        await release(done);
      }
      return finishedDays;
    },
    abort: () => release(false),
  };
}

// Idle encoder workers, kept for the next file: starting one costs a module load. At most
// one per core is kept, unref'd (they never keep the process alive), and only for a moment:
// an idle worker's heap is tens of MB, which the process needs back once files stop coming
// (the CLI's pipeline runs DuckDB right after its files are ingested).
const idle = new Map<Worker, ReturnType<typeof setTimeout>>();
const IDLE_MS = 1000;

// An idle worker of the pool, or a new one.
function takeWorker(): Worker {
  const [reused, timer] = idle.entries().next().value ?? [];
  let worker = reused;
  if (worker) {
    clearTimeout(timer);
    idle.delete(worker);
  } else {
    worker = startWorker({ role: ROLE });
    // One that fails or dies while idle leaves the pool (a file using it hears of it itself).
    const started = worker;
    started.on("error", () => undefined);
    started.on("exit", () => {
      clearTimeout(idle.get(started));
      idle.delete(started);
    });
  }
  worker.ref();
  return worker;
}

function giveBack(worker: Worker): void {
  if (idle.size >= availableParallelism()) {
    void worker.terminate();
    return;
  }
  worker.unref();
  const timer = setTimeout(() => {
    idle.delete(worker);
    void worker.terminate();
  }, IDLE_MS);
  timer.unref();
  idle.set(worker, timer);
}

// A worker running this module: a bundle (a Lambda's) runs itself; the TypeScript sources (the
// CLI, tests) are bundled first (see bundledSources).
function startWorker(data: { role: string }): Worker {
  const self = new URL(import.meta.url);
  if (!self.pathname.endsWith(".ts")) return new Worker(self, { workerData: data });
  return new Worker(bundledSources(self.href), { workerData: data });
}

// The worker's side: for each file, open its encoder, tally each group's days and encode it as
// it arrives and report it, then write the footer and report the days; then wait for the next file.
function serve(): void {
  const port = parentPort!;
  const reply = (message: FromWorker) => port.postMessage(message);
  let file: ReturnType<typeof encodingFile> | undefined;
  port.on("message", (message: ToWorker) => {
    try {
      if (message.type === "open") file = encodingFile(message.options, message.days);
      else if (message.type === "group") {
        file!.write(message.group);
        reply({ type: "written" });
      } else {
        const days = file!.finish();
        file = undefined;
        reply({ type: "finished", days });
      }
    } catch (error) {
      reply({ type: "failed", message: (error as Error).message, stack: (error as Error).stack });
      port.close();
    }
  });
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) serve();
