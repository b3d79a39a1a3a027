import { resolve } from "node:path";
import type { ParseArgsOptionsConfig } from "node:util";
import { parseArgs } from "node:util";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DatasetSpec } from "@medallion/core/dataset";
import {
  DatasetError,
  DatasetSpecError,
  loadDatasetSpec,
  registerDataset,
  registerDatasets,
} from "@medallion/core/dataset";
import deployedDatasets from "@medallion/datasets";
import { runBackfill } from "./commands/backfill";
import { congregadoCommand } from "./commands/congregado";
import { runDev } from "./commands/dev";
import { journeysCommand } from "./commands/journeys";
import { openQueryEngine, runQuery } from "./commands/query";
import { describeIngest, formatSummary, runPipeline } from "./commands/run";
import { runSpecInit } from "./commands/spec-init";
import { localClients } from "./services/clients";
import type { LocalServices } from "./services/index";
import { startServices } from "./services/index";
import type { LocalStack } from "./stack";
import { startStack } from "./stack";

const USAGE = `medallion: the lakehouse on the embedded local stack

Usage:
  medallion run [--sample] [--landing <dir>] [--dataset <name>]   ingest landing files, print a summary
  medallion run --spec <file.ts> --landing <dir>                  the same for a dataset of your own (README: "Writing a dataset spec")
  medallion dev [--drop <dir>] [--every <30s|5m|1h>]              keep the stack up: watch a drop folder, run the schedules
  medallion backfill --dataset <name> --from <YYYY-MM-DD> --to <YYYY-MM-DD>   one pipeline execution per day
  medallion query "<sql>"                                         SQL on the local lake: bronze.<dataset>, silver.<dataset>, gold.<table>
  medallion journeys [id]                                         pipeline runs, newest first (status, steps, error)
  medallion congregado [id]                                       stored aggregates (one, or all)
  medallion spec init <name> --from <file|dir>… [--out <file.ts>]   draft a dataset spec from sample files
  medallion help

Every command takes --data-dir <dir> (default .medallion) and --json, and --spec <file.ts> to make
a user-written dataset known to it (its name becomes the default --dataset).`;

/** A user error: printed without a stack trace, exit code 2. */
class UsageError extends Error {
  override name = "UsageError";
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  // spec init has its own options (--from names sample files, not a date).
  if (command === "spec") return runSpecInit(rest, { json: rest.includes("--json"), usage: (m) => new UsageError(m) });
  const { values, positionals } = parse(rest);
  const dataDir = resolve(values["data-dir"]);
  const json = values.json;
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  // Registered before any stack starts: the engine and every handler read the known datasets then.
  // The datasets folder first (what `sst deploy` deploys), then a --spec file on top.
  userError(() => registerDatasets(deployedDatasets));
  const spec = values.spec === undefined ? undefined : await registerSpec(values.spec);
  if (spec && values.dataset !== undefined && values.dataset !== spec.name) {
    throw new UsageError(
      `--dataset ${values.dataset} does not match the spec's dataset "${spec.name}" (--spec implies --dataset ${spec.name})`,
    );
  }
  const dataset = values.dataset ?? spec?.name ?? "car_telemetry";

  switch (command) {
    case "run": {
      const landingDir = values.landing;
      if (spec && !landingDir)
        throw new UsageError(
          `medallion run --spec needs --landing <dir>: the folder holding ${spec.name}'s files (there is no sample data for it)`,
        );
      // run always ends with the pipeline, which starts at silver: say so before ingesting anything.
      if (spec && !spec.silver)
        throw new UsageError(
          `${values.spec}: dataset "${spec.name}" has no silver section, and medallion run executes the pipeline (journey → silver → gold); add one (see README "Writing a dataset spec") or use medallion dev to only ingest`,
        );
      return withStack(dataDir, values.verbose, async (stack) => {
        const summary = await runPipeline({
          stack,
          dataset,
          sample: values.sample || !landingDir,
          landingDir,
          progress,
        });
        console.log(json ? JSON.stringify(summary, null, 2) : formatSummary(summary, dataDir));
        return summary.totals.filesFailed > 0 || summary.pipeline.status !== "SUCCEEDED" ? 1 : 0;
      });
    }
    case "dev": {
      const everyMs = values.every === undefined ? undefined : parseDuration(values.every);
      const controller = new AbortController();
      const print = (line: string) => console.log(line);
      return withStack(
        dataDir,
        values.verbose,
        async (stack) => {
          await runDev({
            stack,
            dataDir,
            dropDir: resolve(values.drop),
            dataset,
            everyMs,
            print,
            signal: controller.signal,
          });
          print("Stopped: writes in flight finished, state saved.");
          return 0;
        },
        {
          onSignal: () => controller.abort(),
          onIngested: (line) => print(`[${new Date().toISOString().slice(11, 19)}] ingest ${line}`),
        },
      );
    }
    case "backfill": {
      const { from, to } = values;
      if (!from || !to) throw new UsageError("medallion backfill needs --from <YYYY-MM-DD> and --to <YYYY-MM-DD>");
      return withStack(dataDir, values.verbose, async (stack) => {
        const days = await runBackfill({
          stack,
          dataset,
          from,
          to,
          progress,
        });
        if (json) console.log(JSON.stringify(days, null, 2));
        else
          console.log(
            `medallion backfill: ${days.length} day(s), ${days.filter((d) => d.pipeline.status === "SUCCEEDED").length} succeeded, ${days.filter((d) => d.pipeline.status !== "SUCCEEDED").length} failed`,
          );
        return days.every((d) => d.pipeline.status === "SUCCEEDED") ? 0 : 1;
      });
    }
    case "query": {
      const sql = positionals.join(" ").trim();
      if (!sql)
        throw new UsageError(
          `medallion query needs SQL, e.g. medallion query "SELECT * FROM silver.car_telemetry LIMIT 10"`,
        );
      return withServices(dataDir, async (services) => {
        const engine = await openQueryEngine({ services, dataDir });
        try {
          console.log(await runQuery({ sql, json, engine }));
        } finally {
          engine.destroy();
        }
        return 0;
      });
    }
    case "journeys":
      return withServices(dataDir, async (services, doc) => {
        console.log(await journeysCommand({ doc, table: services.names.JourneyControl!, json, id: positionals[0] }));
        return 0;
      });
    case "congregado":
      return withServices(dataDir, async (services, doc) => {
        console.log(await congregadoCommand({ doc, table: services.names.Congregado!, json, id: positionals[0] }));
        return 0;
      });
    default:
      throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

// Every command's options, declared once: parseArgs infers each value's type from them.
const options = {
  "data-dir": { type: "string", default: ".medallion" },
  json: { type: "boolean", default: false },
  sample: { type: "boolean", default: false },
  landing: { type: "string" },
  dataset: { type: "string" },
  spec: { type: "string" },
  verbose: { type: "boolean", default: false },
  drop: { type: "string", default: "landing-drop" },
  every: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

function parse(args: string[]) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
}

/** Loads, validates and registers a spec file; its problems are user errors (exit code 2). */
async function registerSpec(path: string): Promise<DatasetSpec> {
  try {
    const spec = await loadDatasetSpec(path);
    registerDataset(spec);
    return spec;
  } catch (error) {
    if (error instanceof DatasetSpecError && error.file === undefined)
      throw new UsageError(`${path}: ${error.message}`);
    if (error instanceof DatasetError) throw new UsageError(error.message);
    throw error;
  }
}

/** Runs `fn`; a dataset problem it throws is a user error (exit code 2). */
function userError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof DatasetError) throw new UsageError(error.message);
    throw error;
  }
}

/** Runs `fn` with the local DynamoDB and S3 up (no event delivery): for read-only commands. */
async function withServices(
  dataDir: string,
  fn: (services: LocalServices, doc: DynamoDBDocumentClient) => Promise<number>,
): Promise<number> {
  const services = await startServices({ dataDir });
  const clients = localClients(services.env);
  try {
    return await fn(services, clients.doc);
  } finally {
    clients.destroy();
    await services.close();
  }
}

/** `30s`, `5m`, `1h` → milliseconds. */
function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new UsageError(`--every takes a duration such as 30s, 5m or 1h (got "${text}")`);
  const ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  if (ms < 1000) throw new UsageError(`--every must be at least 1s (got "${text}")`);
  return ms;
}

/**
 * Runs `fn` with the stack up, and always shuts it down cleanly. On Ctrl-C: `onSignal` when
 * given (the command winds down and returns), otherwise writes in flight finish and the
 * process exits 130; a second Ctrl-C exits at once.
 */
async function withStack(
  dataDir: string,
  verbose: boolean,
  fn: (stack: LocalStack) => Promise<number>,
  hooks: { onSignal?: () => void; onIngested?: (line: string) => void } = {},
): Promise<number> {
  const stack = await startStack({
    dataDir,
    logLevel: verbose ? "INFO" : "ERROR",
    onIngested: hooks.onIngested && ((outcome) => hooks.onIngested!(describeIngest(outcome))),
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    const code = signal === "SIGINT" ? 130 : 143;
    if (stopping) {
      // A second Ctrl-C: leave now. Ingestion is idempotent, so the next run redoes what was cut short.
      process.stderr.write(`${signal} again: exiting at once.\n`);
      process.exit(code);
    }
    stopping = true;
    process.stderr.write(`\n${signal}: finishing writes in flight and shutting down… (Ctrl-C again to force)\n`);
    if (hooks.onSignal) hooks.onSignal();
    else void stack.close().then(() => process.exit(code));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    return await fn(stack);
  } finally {
    await stack.close();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error(`medallion: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.MEDALLION_DEBUG && error instanceof Error) console.error(error.stack);
    process.exit(1);
  },
);
