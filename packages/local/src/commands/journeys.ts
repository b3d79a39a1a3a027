import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Cost } from "@medallion/core/cost";
import { costOf, formatUsd, runCost } from "@medallion/core/cost";
import { knownDatasets } from "@medallion/core/dataset";
import type { Journey, JourneyStatus, ProcessingStep } from "@medallion/core/journey";
import { getJourney, journeyIdFor, journeyStatusSchema, listJourneys } from "@medallion/core/journey";
import { listLedger } from "@medallion/core/ledger";
import type { ErrorJson } from "./errors";
import { UsageError } from "./errors";
import type { CommandContext } from "./index";
import { withTables } from "./lake";
import type { Style } from "./output";
import { camelKeys, duration, ellipsis, shortTime, textTable } from "./text-table";

/** One step of a journey, as `--json` shows it. */
export interface StepJson {
  step: string;
  status: ProcessingStep["status"];
  layer: string | null;
  file: string | null;
  partition: string | null;
  message: string | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  recordsIn: number | null;
  recordsOut: number | null;
  recordsInvalid: number | null;
  attempt: number | null;
  details: Record<string, unknown> | null;
  /** What the step used of what AWS bills by use (camelCase), and what that cost in USD. */
  usage: Record<string, number> | null;
  costUsd: number | null;
}

/** One journey (one pipeline run), as `--json` shows it: camelCase, every key always present. */
export interface JourneyJson {
  journeyId: string;
  idempotencyKey: string;
  dataset: string | null;
  status: JourneyStatus;
  window: { kind: string; from: string; to: string } | null;
  createdAt: string;
  updatedAt: string;
  /** From start to the last update, once completed or failed; null while it runs. */
  durationMs: number | null;
  retryCount: number;
  runId: string | null;
  /** Until when the run holding it may stay silent before another takes it over (in progress only). */
  leaseUntil: string | null;
  error: ErrorJson | null;
  steps: StepJson[];
  metadata: Record<string, unknown>;
  /** What the run cost at AWS's published prices, in USD: the sum of its steps' costs. */
  cost: Cost;
}

/** A file the pipeline set aside (its data failed a plan alone after failing before, or planning could not read it twice): `medallion redrive` takes it back. */
export interface SetAsideJson {
  dataset: string;
  fileId: string;
  setAsideAt: string | null;
  /** The layer whose step failed, and the last error. */
  failedStep: string | null;
  lastError: string | null;
}

/**
 * What `medallion journeys --json` prints: a list (with how many were left out, and the files
 * set aside in the datasets listed), or one journey.
 */
export type JourneysJson =
  | { journeys: JourneyJson[]; total: number; omitted: number; setAside: SetAsideJson[]; error: null }
  | { journey: JourneyJson | null; error: ErrorJson | null };

/**
 * A journey as the CLI shows it.
 * @param journey the journey-control item
 */
function journeyJson(journey: Journey): JourneyJson {
  const metadata = journey.metadata;
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  const finished = journey.status === "completed" || journey.status === "failed";
  return {
    journeyId: journey.journey_id,
    idempotencyKey: journey.idempotency_key,
    dataset: text(metadata.dataset) ?? (journey.idempotency_key.split("#")[0] || null),
    status: journey.status,
    window:
      text(metadata.window_from) && text(metadata.window_to)
        ? {
            kind: text(metadata.window_kind) ?? "explicit",
            from: metadata.window_from as string,
            to: metadata.window_to as string,
          }
        : null,
    createdAt: journey.created_at,
    updatedAt: journey.updated_at,
    durationMs: finished ? Date.parse(journey.updated_at) - Date.parse(journey.created_at) : null,
    retryCount: journey.retry_count,
    runId: journey.run_id ?? null,
    leaseUntil:
      journey.status === "in_progress" && journey.lease_until !== undefined
        ? new Date(journey.lease_until).toISOString()
        : null,
    error: journey.error ? { name: journey.error.name, message: journey.error.message } : null,
    steps: journey.steps.map((step) => ({
      step: step.step,
      status: step.status,
      layer: step.layer ?? null,
      file: step.file ?? null,
      partition: step.partition ?? null,
      message: step.message ?? null,
      startedAt: step.started_at,
      finishedAt: step.finished_at,
      durationMs: step.duration_ms,
      recordsIn: step.records_in ?? null,
      recordsOut: step.records_out ?? null,
      recordsInvalid: step.records_invalid ?? null,
      attempt: step.attempt ?? null,
      details: step.details ? (camelKeys(step.details) as Record<string, unknown>) : null,
      usage: step.usage ? (camelKeys(step.usage) as Record<string, number>) : null,
      costUsd: step.usage ? costOf(step.usage).total : null,
    })),
    metadata: camelKeys(metadata) as Record<string, unknown>,
    cost: (({ usage: _, ...cost }) => cost)(runCost(journey.steps)),
  };
}

/** Options of {@link journeysCommand}. */
export interface JourneysOptions {
  doc: DynamoDBDocumentClient;
  /** Physical name of the journey-control table. */
  table: string;
  /** A journey id or an idempotency key: that journey with all its steps. */
  id?: string;
  dataset?: string;
  status?: JourneyStatus;
  /** Newest journeys to show (0: all). */
  limit: number;
  /** The ledger, and the datasets whose set-aside files the list shows (none when left out). */
  ledger?: { table: string; datasets: string[] };
}

/**
 * Reads what `medallion journeys` shows: the newest journeys matching the filters and how many
 * matched, or one journey by id or idempotency key.
 * @param options table, and an id or filters
 * @example const found = await journeysCommand({ doc, table: names.JourneyControl, limit: 20 });
 */
export async function journeysCommand({
  doc,
  table,
  id,
  dataset,
  status,
  limit,
  ledger,
}: JourneysOptions): Promise<JourneysJson> {
  if (id !== undefined) {
    const journey =
      (await getJourney({ doc, table, journeyId: id })) ??
      (await getJourney({ doc, table, journeyId: journeyIdFor(id) }));
    return journey
      ? { journey: journeyJson(journey), error: null }
      : {
          journey: null,
          error: { name: "JourneyNotFound", message: `no journey with id or idempotency key "${id}"` },
        };
  }
  const matching = (await listJourneys({ doc, table }))
    .map(journeyJson)
    .filter(
      (journey) =>
        (dataset === undefined || journey.dataset === dataset) && (status === undefined || journey.status === status),
    );
  const shown = limit === 0 ? matching : matching.slice(0, limit);
  const setAside: SetAsideJson[] = [];
  for (const name of ledger?.datasets.filter((d) => dataset === undefined || d === dataset) ?? [])
    for (const entry of await listLedger(doc, ledger!.table, name))
      if (entry.status === "set_aside")
        setAside.push({
          dataset: entry.dataset,
          fileId: entry.file_id,
          setAsideAt: entry.set_aside_at ?? null,
          failedStep: entry.failed_step ?? null,
          lastError: entry.last_error ?? null,
        });
  return { journeys: shown, total: matching.length, omitted: matching.length - shown.length, setAside, error: null };
}

/**
 * The text `medallion journeys` prints.
 * @param found what {@link journeysCommand} read
 * @param style colours
 */
export function journeysText(found: JourneysJson, style: Style = (_, text) => text): string {
  if ("journey" in found) return found.journey ? journeyText(found.journey, style) : (found.error?.message ?? "");
  if (found.total === 0) return `No journeys yet.${setAsideText(found.setAside, style)}`;
  const table = textTable(
    ["JOURNEY", "DATASET", "STATUS", "STARTED (UTC)", "DURATION", "STEPS", "RETRIES", "COST", "LAST STEP", "ERROR"],
    found.journeys.map((journey) => {
      const last = journey.steps.at(-1);
      return [
        journey.journeyId,
        journey.dataset ?? "",
        journey.status,
        shortTime(journey.createdAt),
        journey.durationMs === null
          ? journey.status === "in_progress"
            ? "running"
            : ""
          : duration(journey.durationMs),
        String(journey.steps.length),
        String(journey.retryCount),
        formatUsd(journey.cost.total),
        last ? `${last.step} ${last.status}` : "",
        journey.error ? ellipsis(`${journey.error.name}: ${journey.error.message}`, 80) : "",
      ];
    }),
    { paint: { 2: (cell) => statusStyle(cell, style) } },
  );
  const more = found.omitted ? `\n… ${found.omitted} more (${found.total} in all): --limit 0 shows every one` : "";
  return `${table}${more}${setAsideText(found.setAside, style)}`;
}

// Files set aside, after the journeys: where a user looks after a failed run.
function setAsideText(files: SetAsideJson[], style: Style): string {
  if (files.length === 0) return "";
  const table = textTable(
    ["DATASET", "SET-ASIDE FILE", "SINCE (UTC)", "STEP", "ERROR"],
    files.map((file) => [
      file.dataset,
      file.fileId,
      file.setAsideAt ? shortTime(file.setAsideAt) : "",
      file.failedStep ?? "",
      ellipsis(file.lastError ?? "", 80),
    ]),
  );
  const [header, ...rows] = table.split("\n");
  return [
    "",
    "",
    style("red", `${files.length} file(s) set aside: their data failed alone, again; the others went on.`),
    "Fix the data or the spec, then `medallion redrive --dataset <name>` puts them back.",
    header,
    ...rows,
  ].join("\n");
}

/**
 * A run's cost in one line: the total, then each service that cost anything.
 * @param cost what the run cost
 * @example costText(journey.cost) // "$0.000412 (Athena $0.000238, Lambda $0.000162, Step Functions $0.00125)"
 */
export function costText(cost: Cost): string {
  const parts = (
    [
      ["Athena", cost.athena],
      ["Lambda", cost.lambda],
      ["Step Functions", cost.stepFunctions],
      ["S3", cost.s3],
      ["DynamoDB", cost.dynamodb],
    ] as const
  )
    .filter(([, usd]) => usd > 0)
    .map(([service, usd]) => `${service} ${formatUsd(usd)}`);
  return `${formatUsd(cost.total)}${parts.length ? ` (${parts.join(", ")})` : ""} at AWS's published prices`;
}

function statusStyle(status: string, style: Style): string {
  return status === "failed"
    ? style("red", status)
    : status === "completed"
      ? style("green", status)
      : status === "in_progress"
        ? style("yellow", status)
        : status;
}

function journeyText(journey: JourneyJson, style: Style): string {
  const metadata = Object.entries(journey.metadata)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  const lines = [
    `journey ${style("bold", journey.journeyId)}`,
    `  dataset    ${journey.dataset ?? "?"}   status ${statusStyle(journey.status, style)}   retries ${journey.retryCount}`,
    `  key        ${journey.idempotencyKey}`,
    `  started    ${shortTime(journey.createdAt)} UTC   updated ${shortTime(journey.updatedAt)} UTC${journey.durationMs === null ? "" : `   took ${duration(journey.durationMs)}`}`,
  ];
  if (journey.leaseUntil) lines.push(`  lease      until ${shortTime(journey.leaseUntil)} UTC`);
  lines.push(`  cost       ${costText(journey.cost)}`);
  if (metadata) lines.push(`  metadata   ${metadata}`);
  if (journey.error) lines.push(`  error      ${style("red", `${journey.error.name}: ${journey.error.message}`)}`);
  if (journey.steps.length === 0) return [...lines, "  steps      none yet"].join("\n");
  const table = textTable(
    [
      "#",
      "STEP",
      "STATUS",
      "LAYER",
      "FILE / PARTITION",
      "IN",
      "OUT",
      "INVALID",
      "MS",
      "COST",
      "STARTED (UTC)",
      "MESSAGE",
    ],
    journey.steps.map((step, index) => [
      String(index + 1),
      step.attempt === null ? step.step : `${step.step} (attempt ${step.attempt + 1})`,
      step.status,
      step.layer ?? "",
      step.file ?? step.partition ?? "",
      step.recordsIn?.toString() ?? "",
      step.recordsOut?.toString() ?? "",
      step.recordsInvalid?.toString() ?? "",
      String(step.durationMs),
      step.costUsd === null ? "" : formatUsd(step.costUsd),
      shortTime(step.startedAt),
      ellipsis(step.message ?? "", 80),
    ]),
  );
  return [...lines, "  steps", ...table.split("\n").map((line) => `    ${line}`)].join("\n");
}

/** `medallion journeys [id]`: reads the journey table (through `dev` when it runs) and prints. */
export async function execute(context: CommandContext): Promise<number> {
  const { values, positionals, out } = context;
  if (positionals.length > 1)
    throw new UsageError(`medallion journeys takes at most one id (got ${positionals.length})`);
  const status = values.status === undefined ? undefined : journeyStatusSchema.safeParse(values.status);
  if (status && !status.success)
    throw new UsageError(`--status ${values.status}: expected one of ${journeyStatusSchema.options.join(", ")}`);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0)
    throw new UsageError(`--limit ${values.limit}: expected a whole number ≥ 0`);
  const found = await withTables(context.dataDir, "journeys", ({ doc, names }) =>
    journeysCommand({
      doc,
      table: names.JourneyControl!,
      id: positionals[0],
      dataset: values.dataset,
      status: status?.data,
      limit,
      ledger: { table: names.Ledger!, datasets: Object.keys(knownDatasets()) },
    }),
  );
  if (context.json) out.json(found);
  else if (found.error) out.note(`medallion journeys: ${found.error.message}`);
  else out.print(journeysText(found, out.style));
  return found.error ? 1 : 0;
}
