import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DataDirEndpoints } from "../data-dir";
import { DataDirInUseError, holderOf, liveEndpoints } from "../data-dir";
import type { ReadResult } from "../engine/reads";
import type { LocalStack } from "../stack";
import type { CommandContext } from "./index";

/**
 * How a command reaches a data directory's state. A command that runs the pipeline holds the
 * directory (its services, its DuckDB file) and serves reads; the read-only commands go
 * through the process that holds it, or open the state themselves when none does.
 */

// Ctrl-C's budget: the run's journey failed and lock released, the services closed, then exit.
const SHUTDOWN_GRACE_MS = 4_000;

// Commands that hold the directory with the whole stack: they serve reads once it is up.
const STACK_COMMANDS = new Set(["run", "dev", "backfill"]);

/** Hooks of {@link withStack}. */
export interface StackHooks {
  /** Ctrl-C, once the stack is interrupted: the command winds down and returns (default: exit 130). */
  onSignal?: () => void;
  /** After each landing file has been ingested. */
  onIngested?: Parameters<typeof import("../stack").startStack>[0]["onIngested"];
  /** Loopback ports of S3 and DynamoDB (default: any free port). */
  ports?: { s3?: number; dynamodb?: number };
}

/**
 * Runs `fn` with the embedded stack up: this process holds the data directory, serves reads
 * for the others, and always shuts down cleanly. On Ctrl-C (SIGTERM): the run in flight stops,
 * its journey is failed with "interrupted" and its lock released (see `LocalStack.interrupt`),
 * then `onSignal` when given, otherwise the process exits 130 (143) within a few seconds; a
 * second Ctrl-C exits at once.
 * @param context the command's context (its name says what holds the directory)
 * @param command the command's name
 * @param fn what to do with the stack
 * @param hooks signal, ingestion and port hooks
 */
export async function withStack(
  context: CommandContext,
  command: string,
  fn: (stack: LocalStack) => Promise<number>,
  hooks: StackHooks = {},
): Promise<number> {
  const [{ startStack }, { serveReads }] = await Promise.all([import("../stack"), import("../read-endpoint")]);
  const stack = await startStack({
    dataDir: context.dataDir,
    // The CLI prints its own progress; the handlers' JSON logs only when asked for.
    logLevel: context.verbose ? "INFO" : "SILENT",
    onIngested: hooks.onIngested,
    ports: hooks.ports,
    command,
  });
  const reads = await serveReads({ read: (sql) => stack.engine.read(sql) });
  await stack.services.advertise({ url: reads.url, token: reads.token });
  let signalCode: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    const code = signal === "SIGINT" ? 130 : 143;
    if (signalCode !== undefined) {
      // A second Ctrl-C: leave now. Objects are written whole or not at all, and the next command
      // takes over whatever this one held (its journey, its lock, its ingestions in flight).
      context.out.note(`${signal} again: exiting at once.`);
      process.exit(code);
    }
    signalCode = code;
    context.out.note(`\n${signal}: stopping the run, releasing its journey and lock… (Ctrl-C again to force)`);
    // Never a hang: whatever winding down has not finished by then is left to the next command.
    setTimeout(() => {
      context.out.note(`${signal}: still winding down after ${SHUTDOWN_GRACE_MS / 1000} s: exiting now.`);
      process.exit(code);
    }, SHUTDOWN_GRACE_MS);
    void (async () => {
      await stack.interrupt(signal).catch(() => undefined);
      if (hooks.onSignal) return hooks.onSignal();
      await Promise.allSettled([reads.close(), stack.close()]);
      process.exit(code);
    })();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const code = await fn(stack);
    // Interrupted: the command still says what it did (its run failed with "interrupted"), and exits as Ctrl-C does.
    return hooks.onSignal ? code : (signalCode ?? code);
  } finally {
    await reads.close();
    await stack.close();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

/** A data directory's DynamoDB tables, by link name, and a client for them. */
export interface LakeTables {
  doc: DynamoDBDocumentClient;
  names: Record<string, string>;
}

/**
 * Runs `fn` with the data directory's DynamoDB tables: the endpoint of the process holding the
 * directory when one does (so it sees what that process just wrote), otherwise the embedded
 * services, started (and stopped) by this process.
 * @param dataDir state directory
 * @param command this command's name
 * @param fn what to read
 */
export async function withTables<T>(
  dataDir: string,
  command: string,
  fn: (tables: LakeTables) => Promise<T>,
): Promise<T> {
  const [{ localClients, clientEnv }, { localNames }] = await Promise.all([
    import("../services/clients"),
    import("../services/names"),
  ]);
  // Another short-lived reader may take the directory between our look and our claim, or stop
  // while we use its endpoint: look again (reads are safe to repeat).
  for (let attempt = 1; ; attempt++) {
    const endpoints = await holderEndpoints(dataDir, "tables");
    if (endpoints) {
      const clients = localClients(clientEnv(endpoints));
      try {
        return await fn({ doc: clients.doc, names: localNames() });
      } catch (error) {
        if (attempt < 10 && isConnectionError(error)) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        throw error;
      } finally {
        clients.destroy();
      }
    }
    const { startServices } = await import("../services/index");
    let services: Awaited<ReturnType<typeof startServices>>;
    try {
      services = await startServices({ dataDir, command });
    } catch (error) {
      if (attempt < 10 && error instanceof DataDirInUseError) continue;
      throw error;
    }
    const clients = localClients(services.env);
    try {
      return await fn({ doc: clients.doc, names: services.names });
    } finally {
      clients.destroy();
      await services.close();
    }
  }
}

// The endpoint went away (its process stopped): the error, or one it wraps, says so.
function isConnectionError(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE") return true;
  }
  return false;
}

/**
 * Runs SQL text read-only on the data directory's lake: through the process holding the
 * directory when it serves reads (it owns the DuckDB file, and answers between its pipeline's
 * statements), otherwise by opening the lake read-only here.
 * @param dataDir state directory
 * @param sql one or more statements
 */
export async function readLake(dataDir: string, sql: string): Promise<ReadResult[]> {
  const endpoints = await holderEndpoints(dataDir, "reads");
  if (endpoints?.reads) {
    const { requestRead } = await import("../read-endpoint");
    return requestRead(endpoints.reads, sql);
  }
  const [{ knownDatasets }, { duckdbEngine, lakeDatabaseFile }, { catalogDirectory, localCatalog }, names] =
    await Promise.all([
      import("@medallion/core/dataset"),
      import("../engine/duckdb"),
      import("../catalog/index"),
      import("../services/names"),
    ]);
  const buckets = names.localNames();
  const engine = await duckdbEngine({
    s3Directory: names.localS3Directory(dataDir),
    catalog: localCatalog({ directory: catalogDirectory(dataDir) }),
    datasets: Object.values(knownDatasets()),
    buckets: { bronze: buckets.Bronze!, silver: buckets.Silver!, quarantine: buckets.Quarantine! },
    databaseFile: lakeDatabaseFile(dataDir),
    readOnly: true,
  });
  try {
    return await engine.read(sql);
  } finally {
    engine.close();
  }
}

/**
 * Where the process holding a data directory serves what is needed, waiting while it starts
 * (it claims the directory, then says where it serves); undefined when no process holds it, or
 * when reads are needed from one that runs no engine (the lake's file is then free to open).
 */
async function holderEndpoints(dataDir: string, need: "tables" | "reads"): Promise<DataDirEndpoints | undefined> {
  for (let waited = 0; ; waited += 100) {
    const holder = await holderOf(dataDir);
    if (holder === undefined || holder === process.pid) return undefined;
    const endpoints = await liveEndpoints(dataDir);
    if (endpoints && (need === "tables" || endpoints.reads)) return endpoints;
    if (endpoints && !STACK_COMMANDS.has(endpoints.command)) return undefined;
    if (waited >= 60_000)
      throw new DataDirInUseError(
        `${dataDir} is held by medallion process ${holder}, which has not said where it serves after 60 s`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
