import { journeyIdFor } from "@medallion/core/journey";
import { listPending } from "@medallion/core/ledger";
import type { PipelineWindow, WindowRequest } from "@medallion/core/schedule";
import { resolveWindow } from "@medallion/core/schedule";
import type { SilverSummary } from "@medallion/core/silver";
import { pipelineStates } from "@medallion/stacks/pipeline";
import type { ExecutionOutcome, StateEvent } from "../pipeline";
import { localClients } from "../services/clients";
import type { LocalStack } from "../stack";
import type { ErrorJson } from "./errors";
import type { Style } from "./output";

/**
 * What one pipeline execution did, as `run`, `backfill` and `dev` report it (`--json` too).
 * Every key is always there, on success and failure alike: `null` (or `[]`) when it does not apply.
 */
export interface PipelineSummary {
  /** `SKIPPED`: nothing was pending, so no execution (and no journey) was started. */
  status: ExecutionOutcome["status"] | "SKIPPED";
  /** The run's journey, whenever one exists (a failed run's too). */
  journeyId: string | null;
  window: Pick<PipelineWindow, "kind" | "from" | "to"> | null;
  /** The window had been completed before: nothing ran again. */
  alreadyCompleted: boolean;
  silver: SilverSummaryJson | null;
  gold: { table: string; inserted: number; updated: number; deleted: number }[];
  /** Each state's progress. */
  states: StateEvent[];
  /** What failed: the state (`step`), the error's name and its message. */
  error: ErrorJson | null;
  durationMs: number;
  /** Functions whose local invocations would not fit their deployed timeout or memory. */
  warnings: string[];
}

/** What silver consolidation did, in counts that read one way only. */
export interface SilverSummaryJson {
  /** Where it was written: the catalog table, or the plain S3 path. */
  target: SilverSummary["target"];
  version: string | null;
  /** Landing files whose rows were consolidated. */
  files: number;
  partitionsRewritten: number;
  /** Rows the new bronze files brought. */
  newRows: number;
  /** New rows without a timestamp, which no partition takes. */
  rowsWithoutTimestamp: number;
  /** Rows the rewritten partitions held before, and hold now. */
  rowsBefore: number;
  rowsAfter: number;
  /** newRows − rowsWithoutTimestamp + rowsBefore − rowsAfter. */
  duplicatesRemoved: number;
}

/** How an execution is asked for: the dataset, its window and when it was triggered. */
export interface ExecutionRequest {
  dataset: string;
  window: WindowRequest;
  /** Trigger time, ISO (default now): what `hourly` and `daily` windows resolve against. */
  at?: string;
}

/**
 * Executes the pipeline for a dataset and window when the ledger lists pending files;
 * otherwise starts nothing (no journey) and says so (`SKIPPED`).
 * @param stack the embedded stack
 * @param request dataset, window and trigger time
 * @param onState each state's progress
 */
export async function executeIfPending(
  stack: LocalStack,
  request: ExecutionRequest,
  onState?: (event: StateEvent) => void,
): Promise<PipelineSummary> {
  const clients = localClients(stack.services.env);
  let pending: number;
  try {
    pending = (await listPending(clients.doc, stack.names.Ledger!, request.dataset)).length;
  } finally {
    clients.destroy();
  }
  if (pending === 0) return skipped();
  const at = request.at ?? new Date().toISOString();
  const outcome = await stack.execute({ dataset: request.dataset, window: request.window, at }, onState);
  return summarisePipeline(outcome, { ...request, at });
}

/** The summary of an execution not started because nothing was pending. */
function skipped(): PipelineSummary {
  return {
    status: "SKIPPED",
    journeyId: null,
    window: null,
    alreadyCompleted: false,
    silver: null,
    gold: [],
    states: [],
    error: null,
    durationMs: 0,
    warnings: [],
  };
}

/**
 * What an execution did, from its outcome and how it was asked for (which names its journey
 * when it failed before saying so).
 * @param execution the execution outcome
 * @param request dataset, window and trigger time of the execution
 */
export function summarisePipeline(execution: ExecutionOutcome, request: Required<ExecutionRequest>): PipelineSummary {
  const { run, journey, silver, gold } = execution.output ?? {};
  const failure = failedState(execution.states);
  let journeyId = journey?.journey_id ?? null;
  let window = run ? { kind: run.kind, from: run.from, to: run.to } : null;
  // A failed execution has no output: its journey is the one its window names, if it was started
  // (or is held by another run, which is why this one was refused).
  const started = execution.states.some((s) => s.state === pipelineStates.StartJourney && s.event === "succeeded");
  if (!journeyId && (started || failure?.name === "JourneyInProgressError")) {
    try {
      const resolved = resolveWindow(request.dataset, request.window, new Date(request.at));
      journeyId = journeyIdFor(resolved.idempotencyKey);
      window ??= { kind: resolved.kind, from: resolved.from, to: resolved.to };
    } catch {
      // A window that does not resolve never started a journey.
    }
  }
  return {
    status: execution.status,
    journeyId,
    window,
    alreadyCompleted: journey?.duplicate === true,
    silver: silver
      ? {
          target: silver.target,
          version: silver.version,
          files: silver.files,
          partitionsRewritten: silver.partitionsRewritten,
          newRows: silver.rowsIn,
          rowsWithoutTimestamp: silver.rowsWithoutTimestamp,
          rowsBefore: silver.rowsBefore,
          rowsAfter: silver.rowsOut,
          duplicatesRemoved: silver.duplicatesRemoved,
        }
      : null,
    gold: (gold?.tables ?? []).map(({ table, inserted, updated, deleted }) => ({ table, inserted, updated, deleted })),
    states: execution.states,
    error:
      execution.status === "FAILED"
        ? (failure ?? { name: execution.error?.Error ?? "Error", message: causeOf(execution.error?.Cause ?? "") })
        : null,
    durationMs: execution.durationMs,
    warnings: execution.warnings,
  };
}

/**
 * The state that made an execution fail: the first failure no retry recovered, with the
 * error's name and message (a Lambda error's `errorMessage`, not its JSON).
 */
function failedState(states: StateEvent[]): ErrorJson | undefined {
  const failure = states.find(
    (event, index) =>
      event.event === "failed" &&
      !states.slice(index + 1).some((later) => later.state === event.state && later.event !== "failed"),
  );
  return failure && { step: failure.state, ...stateError(failure) };
}

/**
 * The error of a failed state, as a person reads it: its name, and the message (a Lambda
 * error's `errorMessage`, not the runtime's JSON with its trace).
 * @param event a `failed` state event
 */
export function stateError(event: StateEvent): { name: string; message: string } {
  const text = event.error ?? "";
  const colon = text.indexOf(": ");
  return colon < 0
    ? { name: "Error", message: text }
    : { name: text.slice(0, colon), message: causeOf(text.slice(colon + 2)) };
}

// A Lambda error's Cause is the runtime's JSON `{ errorType, errorMessage, trace }`.
function causeOf(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === "string") return parsed.errorMessage;
  } catch {
    // Not JSON: already the message.
  }
  return cause;
}

/**
 * The lines `run` and `backfill` print for an execution.
 * @param p the execution's summary
 * @param style colours
 */
export function pipelineLines(p: PipelineSummary, style: Style): string[] {
  const seconds = `${(p.durationMs / 1000).toFixed(2)} s`;
  if (p.status === "SKIPPED")
    return [`  pipeline         ${style("dim", "not run: nothing new (no file pending), so no journey either")}`];
  const lines = [
    p.status === "FAILED"
      ? `  pipeline         ${style("red", "FAILED")}${p.error?.step ? ` at ${style("bold", p.error.step)}` : ""} in ${seconds}: ${p.error?.name}: ${p.error?.message}`
      : `  pipeline         ${style("green", "SUCCEEDED")}${p.alreadyCompleted ? " (window already completed: nothing re-ran)" : ""} in ${seconds}`,
  ];
  if (p.journeyId)
    lines.push(
      `  journey          ${p.journeyId}${p.window ? ` (${p.window.kind} ${p.window.from} → ${p.window.to})` : ""}${p.status === "FAILED" ? `: medallion journeys ${p.journeyId} shows its steps` : ""}`,
    );
  if (p.silver) lines.push(`  silver           ${silverLine(p.silver)}`);
  else if (p.status === "SUCCEEDED" && !p.alreadyCompleted) lines.push("  silver           nothing pending");
  for (const table of p.gold)
    lines.push(
      `  gold             ${table.table}: ${table.inserted} inserted, ${table.updated} updated, ${table.deleted} deleted`,
    );
  for (const warning of p.warnings)
    lines.push(`  ${style("yellow", "warning")}          ${warning} (would not fit on Lambda)`);
  return lines;
}

/** One line of what silver did. @param silver silver's summary */
export function silverLine(silver: SilverSummaryJson): string {
  const without = silver.rowsWithoutTimestamp
    ? ` (${silver.rowsWithoutTimestamp} without a usable timestamp, not in silver)`
    : "";
  const target = silver.target;
  const table = target.kind === "table" ? `${target.database}.${target.table}` : target.uri;
  return `${table}: ${silver.newRows} new rows${without}, ${silver.duplicatesRemoved} duplicates removed; ${silver.partitionsRewritten} partition(s) rewritten, ${silver.rowsBefore} rows before → ${silver.rowsAfter} after`;
}
