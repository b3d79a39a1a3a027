import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import dynalite from "dynalite";
import type { KeyAttributes } from "./dynamo-limits";
import { withDynamoLimits } from "./dynamo-limits";
import { PortInUseError, StorageWriteError } from "./errors";

type Callback = (error: Error | null, ...results: unknown[]) => void;
type StoreMethod = (...args: unknown[]) => unknown;
// The part of dynalite's store module this file reaches: the factory of its LevelDB store, whose
// `db` methods take a callback last.
interface DynaliteStoreModule {
  create(options: unknown): { db: Record<string, StoreMethod> };
}

/**
 * An error of dynalite's LevelDB store as an error dynalite answers the request with: a 500
 * whose message is the one line of a refused write (`cannot write <path>: no space left on the
 * device (ENOSPC); …`) when the disk is full or read-only, else the store's own message.
 * @param error what the store failed with
 */
function storeFailure(error: Error): Error {
  const message = StorageWriteError.of(error)?.message ?? error.message;
  return Object.assign(new Error(message, { cause: error }), {
    statusCode: 500,
    body: { __type: "com.amazonaws.dynamodb.v20120810#InternalFailure", message },
  });
}

// dynalite's own answers (a missing table or item) go through as they are.
const isStoreFailure = (error: Error): boolean => !("statusCode" in error) && error.name !== "NotFoundError";

// dynalite throws a store error it gets in a callback (`if (err) throw err`): a full disk under
// LevelDB would end the whole process with a stack trace and leave the request unanswered. Its
// store's reads and writes hand such errors back as a 500 naming the path instead, which the
// SDK raises to the caller (a handler, a command) like any DynamoDB failure.
const dynaliteStore = createRequire(import.meta.url)("dynalite/db") as DynaliteStoreModule;
const createStore = dynaliteStore.create;
// The store dynalite made last (it makes one, synchronously, per server).
let lastStore: ReturnType<typeof createStore> | undefined;
dynaliteStore.create = (options) => {
  const store = createStore(options);
  lastStore = store;
  for (const name of ["get", "put", "del", "batch"]) {
    const method = store.db[name]!;
    store.db[name] = (...args: unknown[]) => {
      const callback = args.at(-1);
      if (typeof callback !== "function") return method(...args);
      return method(...args.slice(0, -1), (error: Error | null, ...results: unknown[]) =>
        (callback as Callback)(error && isStoreFailure(error) ? storeFailure(error) : error, ...results),
      );
    };
  }
  return store;
};

/** How long a start waits for a LevelDB lock another process still holds. */
const LOCK_WAIT_MS = 3000;

// Opens dynalite's store. The data directory's claim (data-dir.ts) passes to this process once
// the last one released it, but that one's LevelDB lock can outlive its claim for a moment (its
// store still closing): five CLI commands run at once on one directory met "Database failed to
// open" (LEVEL_LOCKED). A held lock is waited for, up to LOCK_WAIT_MS; then its error stands.
async function openStore(db: Record<string, StoreMethod>): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await db.open!();
      return;
    } catch (error) {
      const locked = (error as { cause?: { code?: string } }).cause?.code === "LEVEL_LOCKED";
      if (!locked || Date.now() - started >= LOCK_WAIT_MS) throw error;
      await delay(50);
    }
  }
}

/** The embedded DynamoDB endpoint. */
export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite on a loopback port, with tables persisted (LevelDB) under
 * `<dataDir>/dynamodb`. Table changes take effect at once, unlike DynamoDB's minutes. Key and
 * item sizes are checked in UTF-8 bytes, as DynamoDB counts them, before dynalite sees a request.
 * @param dataDir state directory
 * @param port the port (0: any free one)
 * @param keys key attributes by physical table name
 * @throws PortInUseError when `port` is taken
 */
export async function startDynamo(dataDir: string, port = 0, keys: KeyAttributes = {}): Promise<LocalDynamo> {
  const path = join(dataDir, "dynamodb");
  await mkdir(path, { recursive: true });
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // dynalite opens its LevelDB store in the background and queues requests meanwhile. A scan's
  // stream queued so, closed before the store was open, made LevelDB emit an error nobody
  // listened to ("Iterator is not open"), ending the process; the store is open before the port.
  await openStore(lastStore!.db);
  const [handler] = server.listeners("request") as Parameters<typeof withDynamoLimits>[0][];
  server.removeAllListeners("request");
  server.on("request", withDynamoLimits(handler!, keys));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new PortInUseError(`DynamoDB port ${port} is in use (another medallion dev?)`, { cause: error })
          : error,
      ),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    // Closing the server flushes and closes the LevelDB store: no write is lost.
    close: () => new Promise<void>((resolve, reject) => server.close((err?: Error) => (err ? reject(err) : resolve()))),
  };
}
