import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { shippedDatasets } from "@medallion/core/datasets";
import { carTelemetrySample } from "../sample/car-telemetry";
import type { SampleFile } from "../sample/car-telemetry";
import type { IngestOutcome, LocalStack } from "../stack";

/** Options of `medallion run`. */
export interface RunOptions {
  stack: LocalStack;
  dataset: string;
  /** Ingest the shipped sample (default when no landing folder is given). */
  sample: boolean;
  /** A local folder whose files are dropped into landing. */
  landingDir?: string;
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
  durationMs: number;
}

/**
 * Drops the sample (or a folder's files) into the landing bucket, waits until the ingest
 * handler has taken every file, and sums up what happened.
 */
export async function runPipeline(options: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const spec = shippedDatasets[options.dataset];
  if (!spec) throw new Error(`Unknown dataset "${options.dataset}". Known: ${Object.keys(shippedDatasets).join(", ")}`);
  const files = options.landingDir ? await filesOf(options.landingDir, spec.landingPrefix) : options.sample ? sampleFor(options.dataset) : [];
  if (files.length === 0) throw new Error(options.landingDir ? `No files in ${options.landingDir}` : "Nothing to ingest: pass --sample or --landing <dir>");

  const s3 = new S3Client({});
  const outcomes: Promise<IngestOutcome>[] = [];
  let done = 0;
  options.progress?.(`Dropping ${files.length} file(s) into s3://${options.stack.names.Landing}/ …`);
  for (const file of files) {
    const put = await s3.send(new PutObjectCommand({ Bucket: options.stack.names.Landing, Key: file.key, Body: file.body }));
    outcomes.push(
      options.stack.ingested(file.key, put.ETag ?? "").then((outcome) => {
        done += 1;
        options.progress?.(`[${done}/${files.length}] ${describe(outcome)}`);
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
  return { dataset: options.dataset, files: results, totals, durationMs: Date.now() - started };
}

/** The human-readable summary `medallion run` prints. */
export function formatSummary(summary: RunSummary, dataDir: string): string {
  const t = summary.totals;
  return [
    `medallion run: ${summary.dataset}`,
    `  files            ${t.files} (${t.filesToBronze} to bronze, ${t.filesQuarantined} quarantined whole, ${t.duplicates} already ingested, ${t.filesFailed} failed)`,
    `  records          ${t.recordsIn} in = ${t.recordsBronze} bronze + ${t.recordsQuarantined} quarantined`,
    `  bronze objects   ${t.bronzeObjects}`,
    `  time             ${(summary.durationMs / 1000).toFixed(2)} s`,
    `  data             ${dataDir}`,
  ].join("\n");
}

function describe(outcome: IngestOutcome): string {
  if (outcome.error) return `✗ ${outcome.key}: failed: ${outcome.error}`;
  const r = outcome.result!;
  if (r.status === "quarantined") return `✗ ${outcome.key}: quarantined whole: ${r.reason ?? "unreadable"}`;
  if (r.status === "duplicate") return `= ${outcome.key}: already ingested, nothing rewritten`;
  return `✓ ${outcome.key}: ${r.recordsIn} records → ${r.recordsBronze} bronze, ${r.recordsQuarantined} quarantined (${r.durationMs} ms)`;
}

function sampleFor(dataset: string): SampleFile[] {
  if (dataset === "car_telemetry") return carTelemetrySample();
  throw new Error(`No sample data for dataset "${dataset}"`);
}

async function filesOf(dir: string, prefix: string): Promise<SampleFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: SampleFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push({ key: prefix + relative(dir, path).split(sep).join("/"), body: await readFile(path) });
  }
  return files.sort((a, b) => a.key.localeCompare(b.key));
}

function count<T>(items: T[], predicate: (item: T) => boolean): number {
  return items.filter(predicate).length;
}

function sum<T>(items: T[], value: (item: T) => number | undefined): number {
  return items.reduce((total, item) => total + (value(item) ?? 0), 0);
}
