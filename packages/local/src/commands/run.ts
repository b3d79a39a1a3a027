import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { knownDatasets } from "@medallion/core/dataset";
import type { GoldTableSummary } from "@medallion/core/gold";
import type { PipelineWindow, WindowRequest } from "@medallion/core/schedule";
import type { SilverSummary } from "@medallion/core/silver";
import { fitWarnings } from "../invocations";
import type { ExecutionOutcome, StateEvent } from "../pipeline";
import type { SampleFile } from "../sample/car-telemetry";
import { carTelemetrySample } from "../sample/car-telemetry";
import { operationsSample } from "../sample/operations";
import type { IngestOutcome, LocalStack } from "../stack";

/** Options of `medallion run`. */
export interface RunOptions {
  stack: LocalStack;
  dataset: string;
  /** Ingest the shipped sample (default when no landing folder is given). */
  sample: boolean;
  /** A local folder whose files are dropped into landing. */
  landingDir?: string;
  /** The pipeline run's window; default: the hour up to now (a manual run). */
  window?: WindowRequest;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

/** What `medallion run` did. */
export interface RunSummary {
  dataset: string;
  files: IngestOutcome[];
  totals: {
    files: number;
    filesToBronze: number;
    filesQuarantined: number;
    filesFailed: number;
    duplicates: number;
    recordsIn: number;
    recordsBronze: number;
    recordsQuarantined: number;
    bronzeObjects: number;
  };
  /** The pipeline execution that followed ingestion. */
  pipeline: PipelineSummary;
  durationMs: number;
}

/** What the state machine execution did. */
export interface PipelineSummary {
  status: ExecutionOutcome["status"];
  journeyId?: string;
  window?: Pick<PipelineWindow, "kind" | "from" | "to">;
  /** `true` when the window had already been completed: nothing ran again. */
  alreadyCompleted: boolean;
  silver?: Pick<
    SilverSummary,
    "partitionsRewritten" | "rowsIn" | "rowsOut" | "duplicatesRemoved" | "version" | "target"
  >;
  gold?: Pick<GoldTableSummary, "table" | "inserted" | "updated" | "deleted">[];
  states: StateEvent[];
  error?: { Error: string; Cause: string };
  durationMs: number;
  /** Functions whose local invocations would not fit their deployed timeout or memory. */
  warnings: string[];
}

/**
 * Drops the sample (or a folder's files) into the landing bucket, waits until the ingest
 * handler has taken every file, and sums up what happened.
 */
export async function runPipeline(options: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const datasets = knownDatasets();
  const spec = datasets[options.dataset];
  if (!spec) throw new Error(`Unknown dataset "${options.dataset}". Known: ${Object.keys(datasets).join(", ")}`);
  const files = options.landingDir
    ? await filesOf(options.landingDir, options.dataset)
    : options.sample
      ? sampleFor(options.dataset)
      : [];
  if (files.length === 0)
    throw new Error(
      options.landingDir ? `No files in ${options.landingDir}` : "Nothing to ingest: pass --sample or --landing <dir>",
    );

  const s3 = new S3Client({});
  const outcomes: Promise<IngestOutcome>[] = [];
  let done = 0;
  options.progress?.(`Dropping ${files.length} file(s) into s3://${options.stack.names.Landing}/ …`);
  for (const file of files) {
    const put = await s3.send(
      new PutObjectCommand({ Bucket: options.stack.names.Landing, Key: file.key, Body: file.body }),
    );
    outcomes.push(
      options.stack.ingested(file.key, put.ETag ?? "").then((outcome) => {
        done += 1;
        options.progress?.(`[${done}/${files.length}] ${describeIngest(outcome)}`);
        return outcome;
      }),
    );
  }
  const results = await Promise.all(outcomes);
  s3.destroy();

  const fresh = results.filter((o) => o.result?.status !== "duplicate");
  const totals = {
    files: results.length,
    filesToBronze: count(results, (o) => o.result?.status === "bronze"),
    filesQuarantined: count(results, (o) => o.result?.status === "quarantined"),
    filesFailed: count(results, (o) => o.error !== undefined),
    duplicates: count(results, (o) => o.result?.status === "duplicate"),
    // Files ingested by an earlier run add nothing to this run's records.
    recordsIn: sum(fresh, (o) => o.result?.recordsIn),
    recordsBronze: sum(fresh, (o) => o.result?.recordsBronze),
    recordsQuarantined: sum(fresh, (o) => o.result?.recordsQuarantined),
    bronzeObjects: count(fresh, (o) => o.result?.bronzeKey !== undefined),
  };
  options.progress?.(`Ingested ${totals.files} file(s). Executing the pipeline (journey → silver → gold)…`);
  const window = options.window ?? {
    from: new Date(Date.now() - 3_600_000).toISOString(),
    to: new Date().toISOString(),
  };
  const execution = await options.stack.execute({ dataset: options.dataset, window }, (event) => {
    if (event.event === "entered") options.progress?.(`  ▶ ${event.state}`);
    else if (event.event === "succeeded") options.progress?.(`  ✓ ${event.state} (${event.elapsedMs} ms)`);
    else if (event.event === "failed") options.progress?.(`  ✗ ${event.state}: ${event.error}`);
    else options.progress?.(`  ↻ ${event.state}: retrying`);
  });
  return {
    dataset: options.dataset,
    files: results,
    totals,
    pipeline: {
      ...summarisePipeline(execution),
      warnings: fitWarnings([...options.stack.invocations, ...execution.invocations]),
    },
    durationMs: Date.now() - started,
  };
}

/** What an execution did, from its output. @param execution the execution outcome */
export function summarisePipeline(execution: ExecutionOutcome): PipelineSummary {
  const { run, journey, silver, gold } = execution.output ?? {};
  return {
    status: execution.status,
    journeyId: journey?.journey_id,
    window: run ? { kind: run.kind, from: run.from, to: run.to } : undefined,
    alreadyCompleted: journey?.duplicate === true,
    silver: silver
      ? {
          partitionsRewritten: silver.partitionsRewritten,
          rowsIn: silver.rowsIn,
          rowsOut: silver.rowsOut,
          duplicatesRemoved: silver.duplicatesRemoved,
          version: silver.version,
          target: silver.target,
        }
      : undefined,
    gold: gold?.tables.map(({ table, inserted, updated, deleted }) => ({ table, inserted, updated, deleted })),
    states: execution.states,
    error: execution.error,
    durationMs: execution.durationMs,
    warnings: execution.warnings,
  };
}

/** The human-readable summary `medallion run` prints. */
export function formatSummary(summary: RunSummary, dataDir: string): string {
  const t = summary.totals;
  return [
    `medallion run: ${summary.dataset}`,
    `  files            ${t.files} (${t.filesToBronze} to bronze, ${t.filesQuarantined} quarantined whole, ${t.duplicates} already ingested, ${t.filesFailed} failed)`,
    `  records          ${t.recordsIn} in = ${t.recordsBronze} bronze + ${t.recordsQuarantined} quarantined`,
    `  bronze objects   ${t.bronzeObjects}`,
    ...formatPipeline(summary.pipeline),
    `  time             ${(summary.durationMs / 1000).toFixed(2)} s`,
    `  data             ${dataDir}`,
  ].join("\n");
}

function formatPipeline(p: PipelineSummary): string[] {
  const lines = [
    `  pipeline         ${p.status}${p.alreadyCompleted ? " (window already completed: nothing re-ran)" : ""} in ${(p.durationMs / 1000).toFixed(2)} s`,
  ];
  if (p.journeyId)
    lines.push(
      `  journey          ${p.journeyId}${p.window ? ` (${p.window.kind} ${p.window.from} → ${p.window.to})` : ""}`,
    );
  if (p.silver) {
    const target = p.silver.target;
    const into = !target
      ? ""
      : target.kind === "table"
        ? ` into table ${target.database}.${target.table}`
        : ` into path ${target.uri}`;
    lines.push(
      `  silver           ${p.silver.partitionsRewritten} partition(s) rewritten${into}, ${p.silver.rowsIn} rows in → ${p.silver.rowsOut} rows out, ${p.silver.duplicatesRemoved} duplicates removed`,
    );
  } else if (p.status === "SUCCEEDED" && !p.alreadyCompleted) {
    lines.push("  silver           nothing pending");
  }
  for (const table of p.gold ?? [])
    lines.push(
      `  gold             ${table.table}: ${table.inserted} inserted, ${table.updated} updated, ${table.deleted} deleted`,
    );
  if (p.error) lines.push(`  error            ${p.error.Error}: ${p.error.Cause}`);
  for (const warning of p.warnings) lines.push(`  warning          ${warning} (would not fit on Lambda)`);
  return lines;
}

/** One line for one landing file's ingestion. @param outcome what the ingest handler reported */
export function describeIngest(outcome: IngestOutcome): string {
  if (outcome.error) return `✗ ${outcome.key}: failed: ${outcome.error}`;
  const r = outcome.result!;
  if (r.status === "quarantined") return `✗ ${outcome.key}: quarantined whole: ${r.reason ?? "unreadable"}`;
  if (r.status === "duplicate") return `= ${outcome.key}: already ingested, nothing rewritten`;
  return `✓ ${outcome.key}: ${r.recordsIn} records → ${r.recordsBronze} bronze, ${r.recordsQuarantined} quarantined (${r.durationMs} ms)`;
}

function sampleFor(dataset: string): SampleFile[] {
  if (dataset === "car_telemetry") return carTelemetrySample();
  if (dataset === "operations") return operationsSample();
  throw new Error(`No sample data for dataset "${dataset}"`);
}

/**
 * The landing key of a file dropped at `path` (relative, `/`-separated): as is when it already
 * starts with a dataset's landing prefix (`car_telemetry/…`), else under `dataset`'s prefix.
 * @param path the file's path inside the dropped folder
 * @param dataset the dataset of files outside any dataset's folder
 */
export function landingKeyOf(path: string, dataset: string): string {
  const datasets = Object.values(knownDatasets());
  if (datasets.some((spec) => path.startsWith(spec.landingPrefix))) return path;
  const spec = knownDatasets()[dataset];
  if (!spec) throw new Error(`Unknown dataset "${dataset}". Known: ${datasets.map((d) => d.name).join(", ")}`);
  return `${spec.landingPrefix}${path}`;
}

async function filesOf(dir: string, dataset: string): Promise<SampleFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: SampleFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith(".")) continue;
    const path = join(entry.parentPath, entry.name);
    files.push({ key: landingKeyOf(relative(dir, path).split(sep).join("/"), dataset), body: await readFile(path) });
  }
  return files.sort((a, b) => a.key.localeCompare(b.key));
}

function count<T>(items: T[], predicate: (item: T) => boolean): number {
  return items.filter(predicate).length;
}

function sum<T>(items: T[], value: (item: T) => number | undefined): number {
  return items.reduce((total, item) => total + (value(item) ?? 0), 0);
}
