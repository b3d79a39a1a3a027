import { Worker } from "node:worker_threads";

/**
 * The MD5 of a file, computed on a worker thread that reads the file itself: what the embedded S3
 * keeps as the ETag of a file dropped into it. Hashing on the main thread cost `medallion run`
 * ~0.5 s of a 1M-record ingest phase (10 × 27 MB), on the event loop the in-process handlers,
 * s3rver and dynalite share. One worker serves every call, one file after the other (MD5 runs at
 * ~600 MB/s: a second worker would only take a core from ingestion); it is started at the first
 * call and ended once idle for {@link IDLE_MS}, so a long `medallion dev` keeps no thread for it.
 */

/** How long the worker is kept without work before it is ended. */
const IDLE_MS = 2_000;

// A CommonJS script evaluated by the worker: no module of its own, so it runs alike from the
// sources (tests), from the CLI's bundle and from any folder.
const WORKER_SCRIPT = `
const { createHash } = require("node:crypto");
const { closeSync, openSync, readSync } = require("node:fs");
const { parentPort } = require("node:worker_threads");
const chunk = Buffer.allocUnsafe(${1024 * 1024});
parentPort.on("message", ({ id, path }) => {
  try {
    const hash = createHash("md5");
    let size = 0;
    const fd = openSync(path, "r");
    try {
      for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) {
        hash.update(chunk.subarray(0, read));
        size += read;
      }
    } finally {
      closeSync(fd);
    }
    parentPort.postMessage({ id, md5: hash.digest("hex"), size });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: error.message, code: error.code, syscall: error.syscall, path: error.path } });
  }
});
`;

interface Answer {
  id: number;
  md5?: string;
  size?: number;
  error?: { message: string; code?: string; syscall?: string; path?: string };
}

interface Job {
  resolve: (hashed: FileMd5) => void;
  reject: (error: Error) => void;
}

/** A file's MD5 (hex) and the number of bytes it was computed over. */
export interface FileMd5 {
  md5: string;
  size: number;
}

let worker: Worker | undefined;
let idle: NodeJS.Timeout | undefined;
let lastId = 0;
const jobs = new Map<number, Job>();

/**
 * The MD5 of a file's bytes, read and hashed on a worker thread (see above).
 * @param path the file
 * @returns its MD5 (hex) and size
 * @throws the file system's error (ENOENT, EACCES…) with its code, as `fs` would throw it
 */
export function md5OfFileOffThread(path: string): Promise<FileMd5> {
  const thread = running();
  clearTimeout(idle);
  const id = ++lastId;
  return new Promise<FileMd5>((resolve, reject) => {
    jobs.set(id, { resolve, reject });
    thread.ref();
    thread.postMessage({ id, path });
  });
}

// The worker, started if none runs.
function running(): Worker {
  if (worker) return worker;
  const thread = new Worker(WORKER_SCRIPT, { eval: true });
  thread.on("message", ({ id, md5, size, error }: Answer) => {
    const job = jobs.get(id);
    jobs.delete(id);
    if (error) job?.reject(Object.assign(new Error(error.message), error));
    else job?.resolve({ md5: md5!, size: size! });
    if (jobs.size === 0) rest(thread);
  });
  // A worker that failed or was ended fails what it still had; the next call starts another.
  const fail = (error: Error) => {
    if (worker === thread) worker = undefined;
    for (const job of jobs.values()) job.reject(error);
    jobs.clear();
  };
  thread.on("error", fail);
  thread.on("exit", (code) => fail(new Error(`the MD5 worker ended (exit code ${code})`)));
  worker = thread;
  return thread;
}

// Idle: the worker no longer holds the process open, and is ended unless work comes within IDLE_MS.
function rest(thread: Worker): void {
  thread.unref();
  clearTimeout(idle);
  idle = setTimeout(() => {
    if (worker !== thread || jobs.size > 0) return;
    worker = undefined;
    void thread.terminate();
  }, IDLE_MS);
  idle.unref();
}
