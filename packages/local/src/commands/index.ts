import type { ParseArgsOptionsConfig, parseArgs } from "node:util";
import type { DatasetSpec } from "@medallion/core/dataset";
import type { Output } from "./output";

/** Every option of every command, declared once: parseArgs infers each value's type from it. */
export const options = {
  "data-dir": { type: "string", default: ".medallion" },
  json: { type: "boolean", default: false },
  verbose: { type: "boolean", default: false },
  spec: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", default: false },
  dataset: { type: "string" },
  sample: { type: "boolean", default: false },
  landing: { type: "string" },
  "allow-quarantine": { type: "boolean", default: false },
  drop: { type: "string", default: "landing-drop" },
  schedule: { type: "string", default: "ingest" },
  every: { type: "string" },
  debounce: { type: "string", default: "2s" },
  "s3-port": { type: "string", default: "4568" },
  "dynamodb-port": { type: "string", default: "4567" },
  from: { type: "string" },
  to: { type: "string" },
  status: { type: "string" },
  limit: { type: "string" },
  port: { type: "string" },
  ui: { type: "boolean", default: false },
  "files-per-day": { type: "string" },
  "mb-per-file": { type: "string" },
  stage: { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

/** An option's name. */
export type OptionName = keyof typeof options;

/** Option values as parseArgs returns them for {@link options}. */
export type OptionValues = ReturnType<
  typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>
>["values"];

/** What `--help` says of each option: its argument and what it does. */
const optionHelp: Record<Exclude<OptionName, "help" | "version">, [argument: string, help: string]> = {
  "data-dir": ["<dir>", "where all local state lives (default .medallion); one medallion process serves it at a time"],
  json: ["", "print one JSON document on stdout (camelCase keys; dev: one JSON event per line)"],
  verbose: ["", "also print the handlers' structured JSON logs (stderr)"],
  spec: ["<file.ts>", "make a dataset defined in a spec file known (implies --dataset <its name>)"],
  dataset: ["<name>", "the dataset (default car_telemetry)"],
  sample: ["", "ingest the shipped sample data of the dataset (the default without --landing)"],
  landing: ["<dir>", "ingest the files of a local folder (a <dataset prefix>/ sub-folder keeps its dataset)"],
  "allow-quarantine": ["", "exit 0 even when a file was quarantined whole"],
  drop: ["<dir>", "the watched folder (default ./landing-drop); taken files move to <dir>/_uploaded/"],
  schedule: [
    "ingest|aws",
    "ingest (default): run the pipeline shortly after new files are ingested; aws: on the AWS schedules (hourly, daily at 02:00 UTC)",
  ],
  every: ["<30s|5m|1h>", "run the pipeline at this interval instead"],
  debounce: ["<2s>", "with --schedule ingest: wait this long after the last ingested file (default 2s)"],
  "s3-port": ["<port>", "the local S3 endpoint's port (default 4568; 0: any free port)"],
  "dynamodb-port": ["<port>", "the local DynamoDB endpoint's port (default 4567; 0: any free port)"],
  from: ["<YYYY-MM-DD>", "first day"],
  to: ["<YYYY-MM-DD>", "last day (inclusive)"],
  status: ["<status>", "only journeys with this status: pending, in_progress, completed, failed"],
  limit: ["<n>", "show at most n journeys, newest first (default 20; 0: all)"],
  port: ["<port>", "the page's port on 127.0.0.1 (default 4570; 0: any free port)"],
  ui: ["", "also serve the read-only page (medallion ui), updated live as files arrive and runs finish"],
  "files-per-day": ["<n>", "landing files a day to estimate for"],
  "mb-per-file": ["<mb>", "megabytes per landing file to estimate for"],
  stage: ["<stage>", "a deployed SST stage: invoke its function (AWS credentials and region from the default chain)"],
};

// Options every command takes.
const common: OptionName[] = ["data-dir", "json", "verbose", "spec", "help"];

/** What a command is given to run. */
export interface CommandContext {
  values: OptionValues;
  /** Arguments that are not options. */
  positionals: string[];
  /** `--data-dir`, absolute. */
  dataDir: string;
  json: boolean;
  verbose: boolean;
  out: Output;
  /** The dataset a spec file (`--spec`) defined and registered, if one was given. */
  spec?: DatasetSpec;
}

/** A command's implementation: runs it and returns the exit code. */
export interface CommandModule {
  execute(context: CommandContext): Promise<number>;
}

/** One command of the CLI: what `--help` says of it, the options it takes, and its implementation. */
export interface CommandEntry {
  name: string;
  summary: string;
  usage: string[];
  description: string;
  options: OptionName[];
  examples: string[];
  /** The command parses its own arguments (given whole as `positionals`): e.g. `spec init`'s repeated --from. */
  ownArguments?: true;
  /** Loaded only when the command runs, so `--help` and light commands start fast. */
  load(): Promise<CommandModule>;
}

/** Every command of the CLI. */
export const commands: CommandEntry[] = [
  {
    name: "run",
    summary: "ingest landing files, run the pipeline once, print what happened",
    usage: [
      "medallion run [--sample] [--dataset <name>]",
      "medallion run --landing <dir> [--dataset <name>] [--allow-quarantine]",
      "medallion run --spec <file.ts> --landing <dir>",
    ],
    description:
      "Starts the embedded stack, drops the sample (or a folder's files) into the landing bucket, waits for the ingest handler to take each file, then executes the pipeline's state machine (journey → silver → gold) once, unless no file is pending: then it prints \"nothing new\" and starts no journey. Exit 1 when a file failed, when the pipeline failed (the summary names the failed step, the cause and the journey), or, with --landing, when a file was quarantined whole (unless --allow-quarantine).",
    options: ["sample", "landing", "dataset", "allow-quarantine"],
    examples: [
      "medallion run --sample",
      "medallion run --landing ./exports --dataset operations",
      "medallion run --spec ./weather.ts --landing ./readings --json",
    ],
    load: () => import("./run"),
  },
  {
    name: "spec",
    summary: "draft a dataset spec from sample files",
    usage: ["medallion spec init <name> --from <file|dir>… [--out <file.ts>]"],
    description:
      "Reads a bounded sample of the files' records (NDJSON, a JSON array, or documents keeping their records under a path such as GeoJSON's features), infers the fields, checks that the draft validates and accepts every sampled record, and writes it (default datasets/<name>.ts; an existing file is never overwritten). Review it, then list it in datasets/index.ts (README: \"Add your dataset\").",
    options: [],
    examples: [
      "medallion spec init quakes --from ./samples/quakes.geojson",
      "medallion spec init readings --from ./a.ndjson ./b.ndjson --out ./readings.ts",
    ],
    ownArguments: true,
    load: () => import("./spec-init"),
  },
  {
    name: "dev",
    summary: "keep the stack up: watch a drop folder, run the pipeline after new files, serve queries",
    usage: [
      "medallion dev [--drop <dir>] [--dataset <name>] [--schedule ingest|aws] [--every <30s|5m|1h>] [--debounce <2s>]",
      "             [--s3-port <4568>] [--dynamodb-port <4567>] [--ui [--port <4570>]]",
    ],
    description:
      "Keeps the embedded stack running: prints the S3 and DynamoDB endpoints (fixed ports) with ready-to-paste aws CLI lines, uploads files dropped into the watched folder, runs the pipeline shortly after new files are ingested (or on the AWS schedules, or at an interval), pulls HTTP sources on their schedules, and shows each ingestion and execution as it happens. With --ui it also serves the page of medallion ui, which reloads as files arrive and runs finish. medallion query, journeys and congregado on the same --data-dir go through it. Ctrl-C stops it cleanly.",
    options: ["drop", "dataset", "schedule", "every", "debounce", "s3-port", "dynamodb-port", "ui", "port"],
    examples: [
      "medallion dev",
      "medallion dev --ui",
      "medallion dev --drop ./inbox --every 5m",
      "medallion dev --json | jq -c 'select(.event == \"pipeline\")'",
    ],
    load: () => import("./dev"),
  },
  {
    name: "backfill",
    summary: "one pipeline execution per day of a date range",
    usage: ["medallion backfill --from <YYYY-MM-DD> --to <YYYY-MM-DD> [--dataset <name>]"],
    description:
      "Executes the pipeline once per day of [from, to], in order. A day already completed is a no-op (its journey); a failed day is reported and the next days still run. Exit 1 when a day failed.",
    options: ["dataset", "from", "to"],
    examples: ["medallion backfill --dataset car_telemetry --from 2024-05-01 --to 2024-05-07"],
    load: () => import("./backfill"),
  },
  {
    name: "rebuild",
    summary: "recompute silver and gold from all of bronze under the current spec",
    usage: ["medallion rebuild [--dataset <name>] [--from <YYYY-MM-DD>] [--to <YYYY-MM-DD>]"],
    description:
      "Recomputes the silver partitions of [from, to] (event days; all when left out) from every bronze file under the current spec, with the same versioned swap as a run, then the gold windows they feed. Applies the spec changes a run refuses (a changed dedup, partitioning, cleanse rule, derived formula, gold key or window, or a changed type). Crash-safe: run it again and it resumes; under the same spec, a finished rebuild is a no-op. Exit 1 when it failed.",
    options: ["dataset", "from", "to"],
    examples: [
      "medallion rebuild --dataset car_telemetry",
      "medallion rebuild --dataset car_telemetry --from 2024-05-01 --to 2024-05-31",
    ],
    load: () => import("./rebuild"),
  },
  {
    name: "redrive",
    summary: "try quarantined records and _failed/ files again under the current spec",
    usage: [
      "medallion redrive [--dataset <name>] [--from <YYYY-MM-DD>] [--to <YYYY-MM-DD>]",
      "medallion redrive --dataset <name> --stage <stage> [--from <YYYY-MM-DD>] [--to <YYYY-MM-DD>]",
    ],
    description:
      "After a spec fix (a widened type, a new optional field), tries the quarantined records of the files ingested in [from, to] (ingest days; all when left out) again under the current spec: records that now pass go to bronze as new files with lineage to the originals (file, line, index) and are consolidated by the next run; records still failing stay in quarantine with their new reason. A file quarantined whole as unparseable (in _failed/) is read again from its quarantined copy. The ledger's conservation holds per original file (in = bronze + quarantined). Running it twice changes nothing. On AWS the same code is the Redrive function: --stage <stage> invokes the stage's (medallion-<stage>-redrive, with { dataset, from?, to? }) and prints the same summary; the stage's next scheduled run consolidates what it recovered.",
    options: ["dataset", "from", "to", "stage"],
    examples: [
      "medallion redrive --dataset car_telemetry",
      "medallion redrive --dataset car_telemetry --from 2024-05-01",
      "medallion redrive --dataset car_telemetry --stage prod",
    ],
    load: () => import("./redrive"),
  },
  {
    name: "unlock",
    summary: "last resort: release a dataset's stuck lock and fail its unfinished journeys",
    usage: ["medallion unlock --dataset <name>"],
    description:
      "A run killed or crashed leaves its dataset's lock and journey held; the next run takes them over at once when their process is gone (its pid and host are recorded) (on AWS, when their lease runs out). unlock is the last resort for what that cannot tell: it releases the dataset's consolidation lock and fails its pending or in-progress journeys (error Unlocked), and refuses (exit 1) while the process holding any of them is alive.",
    options: ["dataset"],
    examples: ["medallion unlock --dataset car_telemetry", "medallion unlock --dataset operations --json"],
    load: () => import("./unlock"),
  },
  {
    name: "query",
    summary: "read-only SQL on the local lake (DuckDB)",
    usage: ['medallion query "<sql>[; <sql>…]"'],
    description:
      "Runs SQL on the local lake with DuckDB: bronze.<dataset>, silver.<dataset>, quarantine.<dataset> (rejected records and files, with reasons) and the gold tables (gold.<table>), all listed by SHOW ALL TABLES. Read-only: statements that would write are refused (exit 2); gold changes only through the pipeline. Several statements print one result each. Beside a running medallion dev (or run), the query goes to that process, so it sees what it just wrote.",
    options: [],
    examples: [
      'medallion query "SHOW ALL TABLES"',
      'medallion query "SELECT reason, count(*) FROM quarantine.car_telemetry GROUP BY ALL"',
      'medallion query "SELECT * FROM gold.car_monthly" --json',
    ],
    load: () => import("./query"),
  },
  {
    name: "journeys",
    summary: "pipeline runs, newest first: dataset, status, duration, steps, error",
    usage: ["medallion journeys [--dataset <name>] [--status <status>] [--limit <n>]", "medallion journeys <id>"],
    description:
      "Lists the journeys (one per pipeline run), newest first, with times in UTC, and says how many it left out; or shows one journey, by journey id or idempotency key, with all its steps. Exit 1 when the journey does not exist.",
    options: ["dataset", "status", "limit"],
    examples: ["medallion journeys --status failed", "medallion journeys j-1d75e0ca02582077ff53d070d53c4cad --json"],
    load: () => import("./journeys"),
  },
  {
    name: "ui",
    summary: "a read-only web page of the lake on 127.0.0.1: runs, flow, tables, lineage",
    usage: ["medallion ui [--port <4570>]"],
    description:
      "Serves a page on loopback with four views: Runs (a timeline per dataset; each run's steps, error and cost; filters by dataset and status), Flow (landing files → records → bronze and quarantine by reason → silver → gold, with the conservation law), Tables (silver partitions and their versions, gold tables and their last MERGE, congregado items) and Lineage (one landing file's bronze object, silver version and gold windows). It reads what medallion journeys, congregado and query read, through the process holding the data directory when one does. Read-only; Ctrl-C stops it. medallion dev --ui serves it live.",
    options: ["port"],
    examples: ["medallion ui", "medallion ui --port 8080 --data-dir ./.medallion"],
    load: () => import("./ui"),
  },
  {
    name: "cost",
    summary: "a monthly estimate from measured runs, beside the Glue job's cost",
    usage: ["medallion cost --files-per-day <n> --mb-per-file <mb> [--dataset <name>]"],
    description:
      "Prices a month at the given volume (hourly runs and the daily D-1 run) from what the recorded runs of the data directory used (each journey's steps: Athena bytes scanned, Lambda GB-seconds, state transitions, S3 and DynamoDB requests), at AWS's published prices, beside the Glue job this design replaces ($53.70 a month for 3,000 files, ~20 GB, scaled to the same volume). Exit 1 when no completed run was recorded yet (medallion run --sample records one).",
    options: ["files-per-day", "mb-per-file", "dataset"],
    examples: [
      "medallion cost --files-per-day 100 --mb-per-file 6.8",
      "medallion cost --files-per-day 2000 --mb-per-file 1 --dataset operations --json",
    ],
    load: () => import("./cost"),
  },
  {
    name: "congregado",
    summary: "the latest aggregate of each gold table (version, records, sample)",
    usage: ["medallion congregado", "medallion congregado <id>"],
    description:
      "A congregado is the latest content of one gold table, kept in DynamoDB (one item per {database}_{table}) with a content hash, a version and a sample of its records. Lists them, or shows one with the start of its sample (--json: all of it). Exit 1 when it does not exist.",
    options: [],
    examples: ["medallion congregado", "medallion congregado gold_car_monthly --json"],
    load: () => import("./congregado"),
  },
];

/**
 * The help of one command, as `medallion <command> --help` prints it.
 * @param entry the command
 */
export function commandHelp(entry: CommandEntry): string {
  const names = [...entry.options, ...common.filter((name) => name !== "help")] as Exclude<
    OptionName,
    "help" | "version"
  >[];
  const flags = names.map((name) => {
    const [argument, help] = optionHelp[name];
    return [`--${name}${argument ? ` ${argument}` : ""}`, help] as const;
  });
  const width = Math.max(...flags.map(([flag]) => flag.length));
  return [
    `medallion ${entry.name}: ${entry.summary}`,
    "",
    "Usage:",
    ...entry.usage.map((line) => `  ${line}`),
    "",
    ...wrap(entry.description, 96),
    "",
    "Options:",
    ...flags.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`),
    "",
    "Examples:",
    ...entry.examples.map((line) => `  ${line}`),
  ].join("\n");
}

/** The overview `medallion --help` prints. */
export function overview(): string {
  const width = Math.max(...commands.map((entry) => entry.name.length));
  return [
    "medallion: the lakehouse on the embedded local stack",
    "",
    "Usage: medallion <command> [options]",
    "",
    "Commands:",
    ...commands.map((entry) => `  ${entry.name.padEnd(width)}  ${entry.summary}`),
    "",
    "Every command takes --data-dir <dir> (default .medallion), --json, --verbose and --spec <file.ts>.",
    "medallion <command> --help says more; medallion --version prints the version.",
    "Exit codes: 0 done; 1 a run did not do what was asked (the message says what); 2 a usage error.",
  ].join("\n");
}

/** The options a command accepts. @param entry the command */
export const acceptedOptions = (entry: CommandEntry): Set<OptionName> => new Set([...common, ...entry.options]);

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}
