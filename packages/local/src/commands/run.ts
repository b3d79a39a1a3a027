import { readdir, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { knownDatasets } from "@medallion/core/dataset";
import type { IngestResult } from "@medallion/core/ingest";
import { isDotPath } from "../drop-folder";
import { fitWarnings } from "../invocations";
import type { SampleFile } from "../sample/car-telemetry";
import { carTelemetrySample } from "../sample/car-telemetry";
import { operationsSample } from "../sample/operations";
import { StorageWriteError } from "../services/errors";
import type { IngestOutcome, LocalStack } from "../stack";
import { DEFAULT_DATASET, datasetNamed } from "./datasets";
import type { ErrorJson } from "./errors";
import { UsageError } from "./errors";
import type { PipelineSummary } from "./execution";
import { executeIfPending, pipelineLines, stateError } from "./execution";
import type { CommandContext } from "./index";
import { withStack } from "./lake";
import type { Style } from "./output";
import { exitCodeOf, refuseSchemaChange } from "./schema";

/** A file `run` drops into landing: the sample's bytes, or a local file copied from disk. */
export type LandingFile = SampleFile | { key: string; path: string; size: number };

/** One landing file of a run, as `--json` shows it. */
export interface FileSummary {
  key: string;
  /** What ingestion did with it (`failed`: the handler failed for good; see `error`). */
  status: IngestResult["status"] | "failed";
  result: IngestResult | null;
  error: ErrorJson | null;
}

/** What `medallion run` did: the document `--json` prints, the same on success and failure. */
export interface RunSummary {
  dataset: string;
  files: FileSummary[];
  /** Files of the --landing folder not dropped: names starting with a dot (editor and system files). */
  skipped: string[];
  totals: {
    files: number;
    filesToBronze: number;
    filesQuarantined: number;
    filesFailed: number;
    duplicates: number;
    recordsIn: number;
    recordsBronze: number;
    recordsQuarantined: number;
    /** Values taken as their JSON text (a number or boolean in a string field), per field path. */
    coerced: Record<string, number>;
    bronzeObjects: number;
  };
  /** The pipeline execution that followed ingestion (`SKIPPED` when nothing was new). */
  pipeline: PipelineSummary;
  /** Why the run did not do what was asked (exit code 1), or null. */
  error: ErrorJson | null;
  durationMs: number;
  dataDir: string;
}

/** `medallion run`: checks what it was asked, then ingests and runs the pipeline on the stack. */
export async function execute(context: CommandContext): Promise<number> {
  const { values, spec, out } = context;
  if (context.positionals.length)
    throw new UsageError(`medallion run takes no arguments (got "${context.positionals.join(" ")}")`);
  if (values.sample && values.landing)
    throw new UsageError("medallion run takes --sample or --landing <dir>, not both");
  const dataset = datasetNamed(values.dataset ?? DEFAULT_DATASET).name;
  if (spec && !values.landing)
    throw new UsageError(
      `medallion run --spec needs --landing <dir>: the folder holding ${spec.name}'s files (there is no sample data for it)`,
    );
  // run always ends with the pipeline, which starts at silver: say so before ingesting anything.
  if (spec && !spec.silver)
    throw new UsageError(
      `${values.spec}: dataset "${spec.name}" has no silver section, and medallion run executes the pipeline (journey → silver → gold); add one (see README "Writing a dataset spec") or use medallion dev to only ingest`,
    );
  const { files, skipped } = values.landing
    ? await landingFiles(values.landing, dataset)
    : { files: sampleFiles(dataset), skipped: [] };
  if (skipped.length)
    out.note(
      `Skipping ${skipped.length} file(s) whose name starts with a dot (rename them to ingest them): ${skipped.join(", ")}`,
    );
  return withStack(context, "run", async (stack) => {
    const summary = {
      ...(await runPipeline({ stack, dataset, files, dataDir: context.dataDir, progress: out.note })),
      skipped,
    };
    if (values.landing && summary.totals.filesQuarantined > 0 && !values["allow-quarantine"] && !summary.error)
      summary.error = {
        name: "FilesQuarantined",
        message: `${summary.totals.filesQuarantined} file(s) quarantined whole (pass --allow-quarantine to accept that)`,
      };
    if (context.json) out.json(summary);
    else out.print(formatSummary(summary, out.style));
    return exitCodeOf(summary);
  });
}

/** Options of {@link runPipeline}. */
export interface RunOptions {
  stack: LocalStack;
  dataset: string;
  /** The files to drop into landing, keyed as they land. */
  files: LandingFile[];
  dataDir: string;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

/**
 * Drops files into the landing bucket, waits until the ingest handler has taken each, then
 * executes the pipeline once for the hour up to now, when anything is pending, and sums up.
 * @param options stack, dataset, files, data directory, progress
 */
export async function runPipeline({
  stack,
  dataset,
  files,
  dataDir,
  progress,
}: RunOptions): Promise<Omit<RunSummary, "skipped">> {
  const started = Date.now();
  const outcomes: Promise<IngestOutcome>[] = [];
  let done = 0;
  // A spec change a run would refuse is refused before the files are ingested under it.
  await refuseSchemaChange(stack, dataset);
  progress?.(`Dropping ${files.length} file(s) into s3://${stack.names.Landing}/ …`);
  // One file at a time, in order: ingestion takes each as it lands. Straight into the embedded
  // store: the same object and notification as a PUT, without its bytes crossing HTTP in this
  // process; a file from disk is copied by the file system and hashed off this thread.
  for (const file of files) {
    const bucket = stack.names.Landing!;
    const etag = await stack.services.s3
      .putObject(
        "path" in file
          ? { bucket, key: file.key, file: file.path }
          : { bucket, key: file.key, body: Buffer.from(file.body) },
      )
      .catch((error: unknown) => {
        // A full or read-only data directory is reported as such (one line naming the path);
        // anything else names the file being dropped and its key.
        if (StorageWriteError.of(error)) throw error;
        throw new Error(
          `${"path" in file ? file.path : file.key}: could not drop it into s3://${stack.names.Landing}/${file.key}: ${(error as Error).message}`,
          { cause: error },
        );
      });
    outcomes.push(
      stack.ingested(file.key, etag).then((outcome) => {
        done += 1;
        progress?.(`[${done}/${files.length}] ${describeIngest(outcome)}`);
        return outcome;
      }),
    );
  }
  const results = await Promise.all(outcomes);

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
    coerced: coercedOf(fresh),
    bronzeObjects: count(fresh, (o) => o.result?.bronzeKey !== undefined),
  };
  progress?.(`Ingested ${totals.files} file(s). Executing the pipeline (journey → silver → gold)…`);
  const now = Date.now();
  const pipeline = await executeIfPending(
    stack,
    { dataset, window: { from: new Date(now - 3_600_000).toISOString(), to: new Date(now).toISOString() } },
    (event) => {
      if (event.event === "entered") progress?.(`  ▶ ${event.state}`);
      else if (event.event === "succeeded") progress?.(`  ✓ ${event.state} (${event.elapsedMs} ms)`);
      else if (event.event === "failed") {
        const { name, message } = stateError(event);
        progress?.(`  ✗ ${event.state}: ${name}: ${message}`);
      } else progress?.(`  ↻ ${event.state}: retrying`);
    },
  );
  if (pipeline.status === "SKIPPED") progress?.("Nothing new: no file pending, no pipeline run.");
  const failed = results.filter((o) => o.error !== undefined);
  return {
    dataset,
    files: results.map(
      (o): FileSummary => ({
        key: o.key,
        status: o.result?.status ?? "failed",
        result: o.result ?? null,
        error: o.error === undefined ? null : { name: "IngestFailed", message: o.error },
      }),
    ),
    totals,
    // Ingest ran before the execution: its invocations are held against their limits too.
    pipeline: { ...pipeline, warnings: [...fitWarnings(stack.invocations), ...pipeline.warnings] },
    error:
      pipeline.error ??
      (failed.length
        ? {
            name: "IngestFailed",
            message: `${failed.length} file(s) failed to ingest: ${failed[0]!.key}: ${failed[0]!.error}`,
          }
        : null),
    durationMs: Date.now() - started,
    dataDir,
  };
}

/**
 * The summary `medallion run` prints.
 * @param summary what the run did
 * @param style colours
 */
function formatSummary(summary: RunSummary, style: Style = (_, text) => text): string {
  const t = summary.totals;
  const nothingNew = summary.pipeline.status === "SKIPPED";
  const lines = [
    `medallion run: ${style("bold", summary.dataset)}${nothingNew ? ` — ${style("bold", "nothing new")}` : ""}`,
    `  files            ${t.files}: ${t.filesToBronze} to bronze, ${t.filesQuarantined} quarantined whole, ${t.duplicates} already ingested, ${t.filesFailed} failed`,
    `  records          ${t.recordsIn} read: ${t.recordsBronze} to bronze, ${t.recordsQuarantined} quarantined`,
    ...Object.entries(t.coerced).map(
      ([path, n]) =>
        `  coerced          ${path}: ${n} value(s) taken as their JSON text (a number or boolean in a string field)`,
    ),
    ...pipelineLines(summary.pipeline, style),
    `  time             ${(summary.durationMs / 1000).toFixed(2)} s`,
    `  data             ${summary.dataDir}`,
  ];
  const whole = summary.files.filter((file) => file.status === "quarantined");
  if (whole.length) {
    lines.push(
      `  quarantined      ${whole.length} file(s) quarantined whole (query them: quarantine.${summary.dataset}):`,
    );
    for (const file of whole)
      lines.push(`                   ${file.key}: ${file.result?.reason ?? "every record rejected"}`);
  }
  if (summary.skipped.length)
    lines.push(
      `  skipped          ${summary.skipped.length} file(s) whose name starts with a dot: ${summary.skipped.join(", ")}`,
    );
  for (const file of summary.files.filter((f) => f.error))
    lines.push(`  ${style("red", "failed")}           ${file.key}: ${file.error!.message}`);
  if (summary.error) lines.push(style("red", `✗ ${summary.error.name}: ${summary.error.message}`));
  return lines.join("\n");
}

/** One line for one landing file's ingestion. @param outcome what the ingest handler reported */
export function describeIngest(outcome: {
  key: string;
  error?: string | null;
  result?: Pick<
    IngestResult,
    "status" | "recordsIn" | "recordsBronze" | "recordsQuarantined" | "reason" | "durationMs"
  > | null;
}): string {
  if (outcome.error || !outcome.result) return `✗ ${outcome.key}: failed: ${outcome.error}`;
  const r = outcome.result;
  if (r.status === "quarantined") return `✗ ${outcome.key}: quarantined whole: ${r.reason ?? "every record rejected"}`;
  if (r.status === "duplicate") return `= ${outcome.key}: already ingested, nothing rewritten`;
  return `✓ ${outcome.key}: ${r.recordsIn} records → ${r.recordsBronze} bronze, ${r.recordsQuarantined} quarantined (${r.durationMs} ms)`;
}

/**
 * The shipped sample files of a dataset, keyed as they land.
 * @param dataset a shipped dataset's name
 * @throws UsageError when the dataset has no sample
 */
export function sampleFiles(dataset: string): SampleFile[] {
  if (dataset === "car_telemetry") return carTelemetrySample();
  if (dataset === "operations") return operationsSample();
  throw new UsageError(`there is no sample data for dataset "${dataset}": pass --landing <dir>`);
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
  return `${datasetNamed(dataset).landingPrefix}${path}`;
}

async function landingFiles(dir: string, dataset: string): Promise<{ files: LandingFile[]; skipped: string[] }> {
  const folder = resolve(dir);
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`--landing ${dir}: ${info ? "not a folder" : "no such folder"}`);
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files: LandingFile[] = [];
  const skipped: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const relativePath = relative(folder, path).split(sep).join("/");
    if (isDotPath(relativePath)) {
      skipped.push(relativePath);
      continue;
    }
    files.push({ key: landingKeyOf(relativePath, dataset), path, size: (await stat(path)).size });
  }
  if (files.length === 0)
    throw new UsageError(
      `--landing ${dir}: the folder holds no files${skipped.length ? ` (only ${skipped.length} whose name starts with a dot)` : ""}`,
    );
  return { files: files.sort((a, b) => a.key.localeCompare(b.key)), skipped: skipped.sort() };
}

function count<T>(items: T[], predicate: (item: T) => boolean): number {
  return items.filter(predicate).length;
}

// Coerced values per field path, summed over files.
function coercedOf(outcomes: IngestOutcome[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const outcome of outcomes)
    for (const [path, n] of Object.entries(outcome.result?.coerced ?? {})) total[path] = (total[path] ?? 0) + n;
  return total;
}

function sum<T>(items: T[], value: (item: T) => number | undefined): number {
  return items.reduce((total, item) => total + (value(item) ?? 0), 0);
}
