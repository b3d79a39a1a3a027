import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { knownDatasets } from "@medallion/core/dataset";
import type { SweepResult } from "@medallion/core/ingest";
import type { WindowRequest } from "@medallion/core/schedule";
import { pipelineSchedules, schedules } from "@medallion/core/schedule";
import { shippedSources } from "@medallion/core/sources";
import { functions } from "@medallion/stacks/functions";
import { Cron } from "croner";
import { watchDropFolder } from "../drop-folder";
import type { ExecutionOutcome } from "../pipeline";
import type { LocalStack } from "../stack";
import { landingKeyOf, summarisePipeline } from "./run";

/** Options of `medallion dev`. */
export interface DevOptions {
  stack: LocalStack;
  dataDir: string;
  /** The watched folder (`./landing-drop` by default). */
  dropDir: string;
  /** Dataset of files dropped at the folder's top level. */
  dataset: string;
  /** Run the pipeline at this interval instead of the hourly/daily schedules. */
  everyMs?: number;
  /** Where lines go (stdout in the CLI). */
  print: (line: string) => void;
  /** Aborted on Ctrl-C: dev stops watching and scheduling, and returns. */
  signal: AbortSignal;
  /** When the sweeper runs and with which grace period (default: as deployed, `SweepLanding`'s schedule). */
  sweep?: { cron: string; event: { graceSeconds: number } };
}

const clock = () => new Date().toISOString().slice(11, 19);

/**
 * `medallion dev`: the embedded stack kept up. Prints the local S3 endpoint, uploads what
 * is dropped into the watched folder, runs the pipeline on the same schedules as AWS (or
 * every `everyMs`), and reports each ingestion and execution as it happens.
 */
export async function runDev(options: DevOptions): Promise<void> {
  const { stack, print } = options;
  const datasetsByName = knownDatasets();
  const landing = stack.names.Landing!;
  const endpoint = stack.services.s3.endpoint;
  print(`medallion dev: embedded stack up, state in ${options.dataDir}`);
  print(`  S3 endpoint  ${endpoint}  (access key S3RVER, secret S3RVER)`);
  print(`  landing      s3://${landing}/<dataset>/…   datasets: ${Object.keys(datasetsByName).join(", ")}`);
  print(`  drop folder  ${options.dropDir}  (files go to ${options.dataset} unless under a <dataset>/ folder)`);
  print(
    options.everyMs
      ? `  pipeline     every ${options.everyMs / 1000}s`
      : `  pipeline     ${pipelineSchedules.map((s) => `${s.name} (${s.cron} UTC)`).join(", ")}`,
  );
  print(
    `  try          AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws s3 cp reading.json s3://${landing}/${options.dataset}/reading.json --endpoint-url ${endpoint}`,
  );

  const s3 = new S3Client({});
  const stopWatching = await watchDropFolder({
    dir: options.dropDir,
    onFile: async ({ path, body }) => {
      const key = landingKeyOf(path, options.dataset);
      await s3.send(new PutObjectCommand({ Bucket: landing, Key: key, Body: body }));
      print(`[${clock()}] dropped ${path} → s3://${landing}/${key}`);
    },
    onError: (path, error) =>
      print(
        `[${clock()}] ✗ could not upload ${path}: ${error instanceof Error ? error.message : String(error)} (will retry)`,
      ),
  });

  // One execution at a time in this process; a schedule that fires meanwhile waits its turn.
  let queue: Promise<void> = Promise.resolve();
  const trigger = (dataset: string, window: WindowRequest, label: string) => {
    queue = queue.then(async () => {
      if (options.signal.aborted) return;
      print(`[${clock()}] pipeline ${dataset} (${label}) started`);
      const outcome = await stack.execute({ dataset, window }, (event) => {
        if (event.event === "entered") print(`[${clock()}]   ▶ ${event.state}`);
        else if (event.event === "failed") print(`[${clock()}]   ✗ ${event.state}: ${event.error}`);
      });
      print(`[${clock()}] pipeline ${dataset} (${label}) ${describeOutcome(outcome)}`);
    });
  };

  const datasets = Object.values(datasetsByName).filter((spec) => spec.silver);
  const jobs: { stop(): void }[] = [];
  if (options.everyMs) {
    const every = options.everyMs;
    const timer = setInterval(() => {
      for (const spec of datasets)
        trigger(
          spec.name,
          { from: new Date(Date.now() - every).toISOString(), to: new Date().toISOString() },
          `every ${every / 1000}s`,
        );
    }, every);
    jobs.push({ stop: () => clearInterval(timer) });
  } else {
    for (const schedule of pipelineSchedules) {
      jobs.push(
        new Cron(schedule.cron, { timezone: "UTC" }, () => {
          for (const spec of datasets) trigger(spec.name, schedule.window, schedule.name);
        }),
      );
    }
  }
  // HTTP API sources are pulled on the same schedules as on AWS (hourly, and D-1 at 02:00).
  const sources = Object.keys(shippedSources);
  if (sources.length > 0) {
    const { pullHandler } = await import("@medallion/functions/pull");
    const pull = pullHandler({ sources: shippedSources });
    for (const window of ["hourly", "daily"] as const) {
      jobs.push(
        new Cron(schedules[window], { timezone: "UTC" }, async () => {
          for (const source of sources) {
            try {
              const result = (await stack.invoke("Pull", { source, window }, pull)) as Awaited<ReturnType<typeof pull>>;
              print(
                `[${clock()}] pull ${source} (${window}): ${result.pages} page(s), ${result.records} record(s), watermark ${result.watermarkAfter ?? "unchanged"}`,
              );
            } catch (error) {
              print(
                `[${clock()}] ✗ pull ${source} (${window}): ${error instanceof Error ? error.message : String(error)} (watermark unchanged; the next run retries)`,
              );
            }
          }
        }),
      );
    }
    print(`  pulls        ${sources.join(", ")} (${schedules.hourly} and ${schedules.daily} UTC)`);
  }
  // The sweeper re-drives landing files whose ingestion was lost, on its deployed schedule.
  const sweep = options.sweep ?? functions.SweepLanding.schedule;
  jobs.push(
    new Cron(sweep.cron, { timezone: "UTC" }, async () => {
      try {
        const result = (await stack.invoke("SweepLanding", sweep.event)) as SweepResult;
        if (result.redriven.length || result.abandoned.length)
          print(
            `[${clock()}] sweep: ${result.redriven.length} lost landing file(s) re-driven${result.abandoned.length ? `, ${result.abandoned.length} left after every re-drive: ${result.abandoned.join(", ")}` : ""}`,
          );
        for (const error of result.errors) print(`[${clock()}] ✗ sweep: ${error}`);
      } catch (error) {
        print(`[${clock()}] ✗ sweep: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
  print(
    `  sweeper      ${sweep.cron} UTC (re-drives landing files not ingested after ${sweep.event.graceSeconds / 60} min)`,
  );
  print("Ready. Ctrl-C to stop.");

  await new Promise<void>((resolve) => options.signal.addEventListener("abort", () => resolve(), { once: true }));
  for (const job of jobs) job.stop();
  await stopWatching();
  await queue;
  s3.destroy();
}

function describeOutcome(outcome: ExecutionOutcome): string {
  const summary = summarisePipeline(outcome);
  if (summary.status !== "SUCCEEDED") return `FAILED: ${summary.error?.Error}: ${summary.error?.Cause}`;
  if (summary.alreadyCompleted) return "skipped: window already completed";
  const parts = [
    summary.silver
      ? `silver ${summary.silver.partitionsRewritten} partition(s) rewritten, ${summary.silver.rowsIn} rows in → ${summary.silver.rowsOut} out, ${summary.silver.duplicatesRemoved} duplicates removed`
      : "nothing pending",
  ];
  for (const table of summary.gold ?? [])
    parts.push(`${table.table} ${table.inserted} inserted, ${table.updated} updated, ${table.deleted} deleted`);
  return `SUCCEEDED in ${(summary.durationMs / 1000).toFixed(2)} s: ${parts.join("; ")}`;
}
