import { createRequire } from "node:module";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { BronzeEncoderOptions } from "./encoder";
import { BronzeEncoder } from "./encoder";
import type { PackedRowGroup } from "./packed-column";
import { transferList } from "./packed-column";

/**
 * Encoding bronze Parquet on a worker thread, so parsing and checking records (this
 * thread) and encoding them (the worker) use two cores. The worker runs this very module:
 * from a bundle (a Lambda built by SST) that is the bundle itself, which holds this code;
 * from the TypeScript sources (CLI, tests) it loads them through tsx.
 */

/** Where {@link BronzeFile} hands its packed row groups. */
export interface RowGroupSink {
  /** Takes one row group (its buffers move to the sink). */
  write(group: PackedRowGroup): void;
  /** Resolves when the sink can take more: at most a few groups wait, so memory stays bounded. */
  ready(): Promise<void>;
  /** Writes the footer; resolves when the file is complete. */
  finish(): Promise<void>;
  /** Stops without finishing the file. */
  abort(): Promise<void>;
}

type ToWorker = { type: "group"; group: PackedRowGroup } | { type: "finish" };
type FromWorker = { type: "written" } | { type: "finished" } | { type: "failed"; message: string; stack?: string };

const ROLE = "medallion-bronze-encoder";
// Groups queued on the worker before the reader waits: bounds memory, yet covers the
// worker's start-up (the reader keeps filling groups meanwhile) and keeps both threads busy.
const MAX_QUEUED = 16;

/**
 * Encodes on this thread (small files: starting a worker would cost more than it saves).
 * @param options what the file is written with
 */
export function inlineSink(options: BronzeEncoderOptions): RowGroupSink {
  const encoder = new BronzeEncoder(options);
  return {
    write: (group) => encoder.write(group),
    ready: async () => undefined,
    finish: async () => encoder.finish(),
    abort: async () => undefined,
  };
}

/**
 * Encodes on a worker thread. Errors of the worker (a failed write, a crash) surface from
 * the next `ready()` or from `finish()`.
 * @param options what the file is written with
 */
export function workerSink(options: BronzeEncoderOptions): RowGroupSink {
  const worker = startWorker({ role: ROLE, options });
  let queued = 0;
  let failure: Error | undefined;
  let finished = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  worker.on("message", (message: FromWorker) => {
    if (message.type === "written") queued--;
    else if (message.type === "finished") finished = true;
    else failure ??= Object.assign(new Error(`bronze encoder: ${message.message}`), { stack: message.stack });
    notify();
  });
  worker.on("error", (error) => {
    failure ??= error;
    notify();
  });
  worker.on("exit", (code) => {
    if (!finished)
      failure ??= new Error(`bronze encoder: the worker stopped (exit code ${code}) before the file was finished`);
    notify();
  });
  const until = async (done: () => boolean) => {
    while (!failure && !done()) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure;
  };
  const post = (message: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer);
  return {
    write(group) {
      queued++;
      post({ type: "group", group }, transferList(group));
    },
    ready: () => until(() => queued < MAX_QUEUED),
    async finish() {
      post({ type: "finish" });
      try {
        await until(() => finished);
      } finally {
        await worker.terminate();
      }
    },
    async abort() {
      await worker.terminate();
    },
  };
}

function startWorker(data: { role: string; options: BronzeEncoderOptions }): Worker {
  const self = new URL(import.meta.url);
  if (!self.pathname.endsWith(".ts")) return new Worker(self, { workerData: data });
  // From the TypeScript sources: register tsx in the worker, then load this module.
  const tsx = createRequire(self).resolve("tsx/esm/api");
  const bootstrap = `require(${JSON.stringify(tsx)}).register(); import(${JSON.stringify(self.href)});`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

// The worker's side: encode each group as it arrives, report each one, then the footer.
function serve(options: BronzeEncoderOptions): void {
  const port = parentPort!;
  const reply = (message: FromWorker) => port.postMessage(message);
  let encoder: BronzeEncoder;
  try {
    encoder = new BronzeEncoder(options);
  } catch (error) {
    reply({ type: "failed", message: (error as Error).message, stack: (error as Error).stack });
    return;
  }
  port.on("message", (message: ToWorker) => {
    try {
      if (message.type === "group") {
        encoder.write(message.group);
        reply({ type: "written" });
      } else {
        encoder.finish();
        reply({ type: "finished" });
      }
    } catch (error) {
      reply({ type: "failed", message: (error as Error).message, stack: (error as Error).stack });
      port.close();
    }
  });
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE)
  serve((workerData as { options: BronzeEncoderOptions }).options);
