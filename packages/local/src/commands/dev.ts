import { resolve } from "node:path";
import { knownDatasets } from "@medallion/core/dataset";
import type { SweepResult } from "@medallion/core/ingest";
import type { WindowRequest } from "@medallion/core/schedule";
import { pipelineSchedules, schedules } from "@medallion/core/schedule";
import { shippedSources } from "@medallion/core/sources";
import { functions } from "@medallion/stacks/functions";
import { Cron } from "croner";
import { watchDropFolder } from "../drop-folder";
import { localClients } from "../services/clients";
import type { IngestOutcome, LocalStack } from "../stack";
import { DEFAULT_DATASET, datasetNamed } from "./datasets";
import { UsageError } from "./errors";
import type { PipelineSummary } from "./execution";
import { executeIfPending, silverLine } from "./execution";
import type { CommandContext } from "./index";
import { withStack } from "./lake";
import type { Style } from "./output";
import { describeIngest, landingKeyOf } from "./run";
import { duration } from "./text-table";
import { uiPort } from "./ui";

/** When `dev` runs the pipeline. */
export type DevSchedule =
  /** Shortly after new files are ingested: once no other file came for `debounceMs`. */
  | { kind: "ingest"; debounceMs: number }
  /** On the schedules AWS runs it on (hourly, and D-1 at 02:00 UTC). */
  | { kind: "aws" }
  /** At a fixed interval. */
  | { kind: "every"; everyMs: number };

/**
 * What `dev` reports, as it happens: one line of text each, or one JSON object per line with
 * `--json` (`event` names the kind, `at` is when, ISO UTC).
 */
export type DevEvent = { at: string } & (
  | {
      event: "ready";
      dataDir: string;
      s3Endpoint: string;
      dynamodbEndpoint: string;
      landingBucket: string;
      dropDir: string;
      datasets: string[];
      schedule: DevSchedule;
      pulls: string[];
      /** When the sweeper re-drives lost landing files, and after how long a file counts as lost. */
      sweep: { cron: string; graceSeconds: number };
      /** The page's address with --ui, else null. */
      page: string | null;
    }
  | { event: "dropped"; path: string; key: string }
  | { event: "dropFailed"; path: string; message: string }
  | { event: "dropSkipped"; path: string; reason: string }
  | {
      event: "ingested";
      key: string;
      dataset: string | null;
      /** What ingestion did (`failed`: the handler failed for good; see `error`). */
      status: "bronze" | "quarantined" | "duplicate" | "failed";
      recordsIn: number;
      recordsBronze: number;
      recordsQuarantined: number;
      reason: string | null;
      durationMs: number;
      error: string | null;
    }
  | { event: "pipeline"; dataset: string; trigger: string; summary: PipelineSummary }
  | { event: "pull"; source: string; window: string; pages: number; records: number; watermark: string | null }
  | { event: "pullFailed"; source: string; window: string; message: string }
  /** The sweeper re-drove landing files whose ingestion was lost (reported only when it did something). */
  | { event: "sweep"; redriven: string[]; abandoned: string[]; errors: string[] }
  | { event: "sweepFailed"; message: string }
  | { event: "stopped" }
);

/** Options of {@link runDev}. */
export interface DevOptions {
  stack: LocalStack;
  dataDir: string;
  /** The watched folder. */
  dropDir: string;
  /** Dataset of files dropped at the folder's top level. */
  dataset: string;
  schedule: DevSchedule;
  /** Every event, as it happens. */
  report: (event: DevEvent) => void;
  /** Aborted on Ctrl-C: dev stops watching and scheduling, lets the run in flight finish, and returns. */
  signal: AbortSignal;
  /** When the sweeper runs and with which grace period (default: as deployed, `SweepLanding`'s schedule). */
  sweep?: { cron: string; event: { graceSeconds: number } };
  /** The page's address, when one is served (`--ui`). */
  page?: string;
}

/** The channel through which ingestion reaches a running {@link runDev} (wired before the stack starts). */
export interface IngestFeed {
  ingested(outcome: IngestOutcome): void;
}

/**
 * `medallion dev`: the embedded stack kept up. Says where it serves, uploads what is dropped
 * into the watched folder, runs the pipeline as its schedule says (by default shortly after new
 * files are ingested), pulls HTTP sources on their schedules, and reports each step. Runs that
 * find nothing pending start no journey and report one line.
 * @param options stack, folder, schedule, report, stop signal
 * @param feed receives each ingestion from the stack
 */
export async function runDev(options: DevOptions, feed: { current?: IngestFeed }): Promise<void> {
  const { stack, report, schedule } = options;
  const now = () => new Date().toISOString();
  const landing = stack.names.Landing!;
  const datasets = Object.values(knownDatasets()).filter((spec) => spec.silver);
  const sources = Object.keys(shippedSources);

  // One execution at a time in this process; a trigger that fires meanwhile waits its turn.
  let queue: Promise<void> = Promise.resolve();
  const trigger = (dataset: string, window: WindowRequest, label: string) => {
    queue = queue.then(async () => {
      if (options.signal.aborted) return;
      const summary = await executeIfPending(stack, { dataset, window, at: now() });
      report({ at: now(), event: "pipeline", dataset, trigger: label, summary });
    });
  };
  const lastHour = (): WindowRequest => ({
    from: new Date(Date.now() - 3_600_000).toISOString(),
    to: new Date().toISOString(),
  });

  const jobs: { stop(): void }[] = [];
  const debounce = new Map<string, NodeJS.Timeout>();
  feed.current = {
    ingested(outcome) {
      const result = outcome.result;
      report({
        at: now(),
        event: "ingested",
        key: outcome.key,
        dataset: result?.dataset ?? null,
        status: result?.status ?? "failed",
        recordsIn: result?.recordsIn ?? 0,
        recordsBronze: result?.recordsBronze ?? 0,
        recordsQuarantined: result?.recordsQuarantined ?? 0,
        reason: result?.reason ?? null,
        durationMs: result?.durationMs ?? 0,
        error: outcome.error ?? null,
      });
      const dataset = result?.dataset;
      if (schedule.kind !== "ingest" || !dataset || result.status === "duplicate") return;
      if (!datasets.some((spec) => spec.name === dataset)) return;
      clearTimeout(debounce.get(dataset));
      debounce.set(
        dataset,
        setTimeout(() => {
          debounce.delete(dataset);
          trigger(dataset, lastHour(), "after ingest");
        }, schedule.debounceMs),
      );
    },
  };
  jobs.push({
    stop: () => {
      for (const timer of debounce.values()) clearTimeout(timer);
    },
  });

  if (schedule.kind === "every") {
    const timer = setInterval(() => {
      for (const spec of datasets)
        trigger(
          spec.name,
          { from: new Date(Date.now() - schedule.everyMs).toISOString(), to: new Date().toISOString() },
          `every ${duration(schedule.everyMs)}`,
        );
    }, schedule.everyMs);
    jobs.push({ stop: () => clearInterval(timer) });
  } else if (schedule.kind === "aws") {
    for (const aws of pipelineSchedules)
      jobs.push(
        new Cron(aws.cron, { timezone: "UTC" }, () => {
          for (const spec of datasets) trigger(spec.name, aws.window, aws.name);
        }),
      );
  }

  const stopWatching = await watchDropFolder({
    dir: options.dropDir,
    // Copied from disk straight into the embedded store, as `run --landing` drops its files.
    onFile: async ({ path, file }) => {
      const key = landingKeyOf(path, options.dataset);
      await stack.services.s3.putObject({ bucket: landing, key, file });
      report({ at: now(), event: "dropped", path, key });
    },
    onSkipped: (path, reason) => report({ at: now(), event: "dropSkipped", path, reason }),
    onError: (path, error) =>
      report({
        at: now(),
        event: "dropFailed",
        path,
        message: `${error instanceof Error ? error.message : String(error)} (will retry)`,
      }),
  });

  // HTTP API sources are pulled on the same schedules as on AWS (hourly, and D-1 at 02:00).
  if (sources.length > 0) {
    const { pullHandler } = await import("@medallion/functions/pull");
    const pull = pullHandler({ sources: shippedSources });
    for (const window of ["hourly", "daily"] as const)
      jobs.push(
        new Cron(schedules[window], { timezone: "UTC" }, async () => {
          for (const source of sources) {
            try {
              const result = (await stack.invoke("Pull", { source, window }, pull)) as Awaited<ReturnType<typeof pull>>;
              report({
                at: now(),
                event: "pull",
                source,
                window,
                pages: result.pages,
                records: result.records,
                watermark: result.watermarkAfter ?? null,
              });
            } catch (error) {
              report({
                at: now(),
                event: "pullFailed",
                source,
                window,
                message: `${error instanceof Error ? error.message : String(error)} (watermark unchanged; the next run retries)`,
              });
            }
          }
        }),
      );
  }

  // The sweeper re-drives landing files whose ingestion was lost, on its deployed schedule.
  const sweep = options.sweep ?? functions.SweepLanding.schedule;
  jobs.push(
    new Cron(sweep.cron, { timezone: "UTC" }, async () => {
      try {
        const result = (await stack.invoke("SweepLanding", sweep.event)) as SweepResult;
        if (result.redriven.length || result.abandoned.length || result.errors.length)
          report({
            at: now(),
            event: "sweep",
            redriven: result.redriven,
            abandoned: result.abandoned,
            errors: result.errors,
          });
      } catch (error) {
        report({ at: now(), event: "sweepFailed", message: error instanceof Error ? error.message : String(error) });
      }
    }),
  );

  report({
    at: now(),
    event: "ready",
    dataDir: options.dataDir,
    s3Endpoint: stack.services.s3.endpoint,
    dynamodbEndpoint: stack.services.dynamoEndpoint,
    landingBucket: landing,
    dropDir: options.dropDir,
    datasets: Object.keys(knownDatasets()),
    schedule,
    pulls: sources,
    sweep: { cron: sweep.cron, graceSeconds: sweep.event.graceSeconds },
    page: options.page ?? null,
  });

  await new Promise<void>((resolve) => options.signal.addEventListener("abort", () => resolve(), { once: true }));
  for (const job of jobs) job.stop();
  await stopWatching();
  await queue;
  report({ at: now(), event: "stopped" });
}

/**
 * The text lines of an event, as `dev` prints them without `--json`.
 * @param event what happened
 * @param options the stack's names, the default dataset, colours, and whether to list states
 */
function devLines(
  event: DevEvent,
  {
    names,
    dataset,
    style,
    verbose,
  }: { names: Record<string, string>; dataset: string; style: Style; verbose: boolean },
): string[] {
  const clock = `[${event.at.slice(11, 19)}]`;
  switch (event.event) {
    case "ready": {
      const credentials = "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1";
      const prefix = datasetNamed(dataset).landingPrefix;
      const when =
        event.schedule.kind === "ingest"
          ? `${duration(event.schedule.debounceMs)} after new files are ingested (--schedule aws: on the AWS schedules)`
          : event.schedule.kind === "every"
            ? `every ${duration(event.schedule.everyMs)}`
            : pipelineSchedules.map((s) => `${s.name} (${s.cron} UTC)`).join(", ");
      return [
        `medallion dev: embedded stack up, state in ${event.dataDir}`,
        `  S3 endpoint        ${style("bold", event.s3Endpoint)}  (access key S3RVER, secret S3RVER, region us-east-1)`,
        `  DynamoDB endpoint  ${style("bold", event.dynamodbEndpoint)}`,
        `  landing            s3://${event.landingBucket}/<dataset prefix>…   datasets: ${event.datasets.join(", ")}`,
        `  drop folder        ${event.dropDir}  (files go to ${dataset} unless under a <dataset prefix>/ folder)`,
        `  pipeline           ${when}`,
        ...(event.pulls.length
          ? [`  pulls              ${event.pulls.join(", ")} (${schedules.hourly} and ${schedules.daily} UTC)`]
          : []),
        `  sweeper            ${event.sweep.cron} UTC (re-drives landing files not ingested after ${duration(event.sweep.graceSeconds * 1000)})`,
        `  queries            medallion query "SHOW ALL TABLES", journeys, congregado: served by this process`,
        ...(event.page
          ? [`  page               ${style("bold", event.page)}  (live: reloads as files arrive and runs finish)`]
          : []),
        `  try                ${credentials} aws s3 cp reading.json s3://${event.landingBucket}/${prefix}reading.json --endpoint-url ${event.s3Endpoint}`,
        `                     ${credentials} aws dynamodb scan --table-name ${names.JourneyControl} --endpoint-url ${event.dynamodbEndpoint}`,
        "Ready. Ctrl-C to stop.",
      ];
    }
    case "dropped":
      return [`${clock} dropped ${event.path} → s3://${names.Landing}/${event.key}`];
    case "dropFailed":
      return [`${clock} ${style("red", "✗")} could not upload ${event.path}: ${event.message}`];
    case "dropSkipped":
      return [`${clock} skipped ${event.path}: ${event.reason}`];
    case "ingested":
      return [
        `${clock} ingest ${describeIngest({
          key: event.key,
          error: event.error,
          result:
            event.status === "failed" ? null : { ...event, status: event.status, reason: event.reason ?? undefined },
        })}`,
      ];
    case "pipeline": {
      const p = event.summary;
      const head = `${clock} pipeline ${event.dataset} (${event.trigger})`;
      if (p.status === "SKIPPED") return [`${head}: ${style("dim", "nothing new")}`];
      const states = verbose
        ? p.states.filter((s) => s.event !== "entered").map((s) => `${clock}   ${s.event} ${s.state}`)
        : [];
      if (p.status === "FAILED")
        return [
          ...states,
          `${head} ${style("red", "FAILED")} at ${p.error?.step ?? "?"}: ${p.error?.name}: ${p.error?.message} (journey ${p.journeyId ?? "none"})`,
        ];
      const parts = [
        p.alreadyCompleted
          ? "window already completed"
          : p.silver
            ? `silver ${silverLine(p.silver)}`
            : "nothing pending",
        ...p.gold.map((t) => `${t.table} ${t.inserted} inserted, ${t.updated} updated, ${t.deleted} deleted`),
      ];
      return [
        ...states,
        `${head} ${style("green", "SUCCEEDED")} in ${duration(p.durationMs)}, journey ${p.journeyId}: ${parts.join("; ")}`,
      ];
    }
    case "pull":
      return [
        `${clock} pull ${event.source} (${event.window}): ${event.pages} page(s), ${event.records} record(s), watermark ${event.watermark ?? "unchanged"}`,
      ];
    case "pullFailed":
      return [`${clock} ${style("red", "✗")} pull ${event.source} (${event.window}): ${event.message}`];
    case "sweep":
      return [
        ...(event.redriven.length || event.abandoned.length
          ? [
              `${clock} sweep: ${event.redriven.length} lost landing file(s) re-driven${event.abandoned.length ? `, ${event.abandoned.length} left after every re-drive: ${event.abandoned.join(", ")}` : ""}`,
            ]
          : []),
        ...event.errors.map((error) => `${clock} ${style("red", "✗")} sweep: ${error}`),
      ];
    case "sweepFailed":
      return [`${clock} ${style("red", "✗")} sweep: ${event.message}`];
    case "stopped":
      return ["Stopped: writes in flight finished, state saved."];
  }
}

/** `medallion dev`: checks its options, then keeps the stack up until Ctrl-C. */
export async function execute(context: CommandContext): Promise<number> {
  const { values, out } = context;
  if (context.positionals.length)
    throw new UsageError(`medallion dev takes no arguments (got "${context.positionals.join(" ")}")`);
  const dataset = datasetNamed(values.dataset ?? DEFAULT_DATASET).name;
  const ports = {
    s3: port(values["s3-port"], "--s3-port"),
    dynamodb: port(values["dynamodb-port"], "--dynamodb-port"),
  };
  if (values.schedule !== "ingest" && values.schedule !== "aws")
    throw new UsageError(`--schedule ${values.schedule}: expected ingest or aws`);
  if (values.every !== undefined && values.schedule === "aws")
    throw new UsageError("--every runs the pipeline at an interval: it does not go with --schedule aws");
  const schedule: DevSchedule =
    values.every !== undefined
      ? { kind: "every", everyMs: parseDuration(values.every, "--every") }
      : values.schedule === "aws"
        ? { kind: "aws" }
        : { kind: "ingest", debounceMs: parseDuration(values.debounce, "--debounce", 0) };
  const controller = new AbortController();
  const feed: { current?: IngestFeed } = {};
  return withStack(
    context,
    "dev",
    async (stack) => {
      const page = values.ui ? await servePage(stack, context.dataDir, uiPort(values.port)) : undefined;
      const report = (event: DevEvent) => {
        if (event.event === "ingested" || event.event === "pipeline") page?.changed();
        if (context.json) out.jsonLine(event);
        else
          for (const line of devLines(event, {
            names: stack.names,
            dataset,
            style: out.style,
            verbose: context.verbose,
          }))
            out.print(line);
      };
      await runDev(
        {
          stack,
          dataDir: context.dataDir,
          dropDir: resolve(values.drop),
          dataset,
          schedule,
          report,
          signal: controller.signal,
          page: page?.url,
        },
        feed,
      );
      await page?.close();
      return 0;
    },
    { onSignal: () => controller.abort(), onIngested: (outcome) => feed.current?.ingested(outcome), ports },
  );
}

// The page of `medallion ui`, reading this process's own stack: its tables and its lake's engine.
async function servePage(stack: LocalStack, dataDir: string, port: number) {
  const { serveUi } = await import("../ui/server");
  return serveUi({
    reader: {
      dataDir,
      tables: async (fn) => {
        const clients = localClients(stack.services.env);
        try {
          return await fn({ doc: clients.doc, names: stack.names });
        } finally {
          clients.destroy();
        }
      },
      read: (sql) => stack.engine.read(sql),
    },
    port,
    live: true,
  });
}

function port(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65_535) throw new UsageError(`${flag} ${text}: expected a port, 0 to 65535`);
  return value;
}

/**
 * `30s`, `5m`, `1h`, `500ms` → milliseconds.
 * @param text the duration
 * @param flag the option it came from (for the message)
 * @param minimumMs the least allowed (default 1 s)
 */
function parseDuration(text: string, flag: string, minimumMs = 1000): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} takes a duration such as 30s, 5m or 1h (got "${text}")`);
  const ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  if (ms < minimumMs) throw new UsageError(`${flag} must be at least ${duration(minimumMs)} (got "${text}")`);
  return ms;
}
