import { createHash, randomUUID } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { canonicalJson } from "../dynamo/canonical";
import { toStorable } from "../dynamo/item-size";
import { allPages, isConditionalCheckFailed, request } from "../dynamo/request";
import type { LeaseHolder } from "../lock/owner";
import { isHolderGone, thisProcess } from "../lock/owner";
import {
  JourneyConflictError,
  JourneyInProgressError,
  JourneyLeaseLostError,
  JourneyNotFoundError,
  JourneyStateError,
} from "./errors";
import type { JourneyStatus } from "./results";
import type { ProcessingStep } from "./step";

/** What the run is about (job name, processor type, dataset, database, table…). */
export interface JourneyMetadata {
  job_name?: string;
  processor_type?: string;
  dataset?: string;
  database?: string;
  table?: string;
  [key: string]: unknown;
}

/** The error a failed journey ended with. */
export interface JourneyErrorInfo {
  name: string;
  message: string;
}

/** One item of the journey-control table: one pipeline run, across its retries. */
export interface Journey {
  journey_id: string;
  idempotency_key: string;
  status: JourneyStatus;
  created_at: string;
  updated_at: string;
  metadata: JourneyMetadata;
  steps: ProcessingStep[];
  /** Dedup keys of the kept steps, so a retried task does not append twice. */
  step_ids?: string[];
  /**
   * Totals over every step recorded, kept ones and dropped ones alike: only the last
   * {@link MAX_KEPT_STEPS} steps stay in `steps`, so the item stays under DynamoDB's 400 KB.
   */
  step_totals?: StepTotals;
  error?: JourneyErrorInfo;
  /** How many times the journey was resumed after failing or crashing. */
  retry_count: number;
  /** The run that holds the journey; later writes may be fenced on it. */
  run_id?: string;
  /** Lease expiry (epoch ms) of an in-progress run; past it, another run may resume. */
  lease_until?: number;
  /** Host and pid of the process running it: when that process is gone, the next start resumes at once. */
  run_host?: string;
  run_pid?: number;
  /** Bumped by every write; the optimistic-lock guard of state transitions. */
  revision: number;
  /** TTL (epoch seconds): DynamoDB deletes the item after this; readers treat it as gone. */
  expires_at: number;
}

/** Totals over every step a journey recorded. */
export interface StepTotals {
  steps: number;
  records_in: number;
  records_out: number;
  records_invalid: number;
  duration_ms: number;
}

/**
 * Steps a journey keeps (the most recent): a step is at most a few KB (its message is clipped),
 * so a journey stays far under DynamoDB's 400 KB item limit however long the run.
 */
export const MAX_KEPT_STEPS = 100;

/** The DynamoDB document client and the journey-control table's name. */
export interface JourneyTable {
  doc: DynamoDBDocumentClient;
  table: string;
  /** Epoch-ms clock (default `Date.now`); injectable so lease expiry can be tested. */
  clock?: () => number;
}

/** Options of {@link startJourney}. */
export interface StartJourneyOptions extends JourneyTable {
  idempotencyKey: string;
  metadata?: JourneyMetadata;
  /** How long a run may stay silent before another may take over (default 15 min). */
  leaseMs?: number;
  /** Days a journey is kept before TTL removes it (default 90). */
  retentionDays?: number;
  /** Conditional-write rounds before giving up with {@link JourneyConflictError} (default 5). */
  maxAttempts?: number;
  /** The process that runs it (default: this one), recorded so a crashed run is resumed at once. */
  holder?: LeaseHolder;
}

/** What {@link startJourney} decided. */
export interface StartJourneyResult {
  journey: Journey;
  /** The key already completed: nothing must run again. */
  duplicate: boolean;
  /** A failed or crashed run was taken over (`retry_count` was incremented). */
  resumed: boolean;
}

/** Options shared by writes made by the run that holds the journey. */
export interface JourneyWriteOptions extends JourneyTable {
  journeyId: string;
  /** When given, the write only succeeds while this run still holds the journey. */
  runId?: string;
}

const DEFAULT_LEASE_MS = 15 * 60_000;
const DEFAULT_RETENTION_DAYS = 90;
const MAX_MESSAGE_LENGTH = 2_000;
// Conditional-write rounds of a step before giving up with JourneyConflictError.
const MAX_ATTEMPTS = 5;

/**
 * The journey id of an idempotency key: a hash, so the same key always lands on the same
 * item and conditional writes on that one item decide every race.
 * @param idempotencyKey e.g. `car-telemetry#2026-11-24T01`
 * @example journeyIdFor("car-telemetry#2026-11-24T01") // "j-5f0c…" (32 hex digits)
 */
export function journeyIdFor(idempotencyKey: string): string {
  return `j-${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 32)}`;
}

/**
 * Starts (or resumes) the journey of an idempotency key. Completed → returned with
 * `duplicate: true`, nothing re-runs. In progress under an unexpired lease → throws
 * {@link JourneyInProgressError}. Pending → claimed. Failed or lease expired → resumed with
 * `retry_count + 1`. Every transition is a conditional write on the item's revision, so
 * of any number of racing starts exactly one proceeds.
 * @example const { journey, duplicate } = await startJourney({ doc, table, idempotencyKey: "sales#2026-11-23" });
 */
export async function startJourney({
  doc,
  table,
  clock = Date.now,
  idempotencyKey,
  metadata = {},
  leaseMs = DEFAULT_LEASE_MS,
  retentionDays = DEFAULT_RETENTION_DAYS,
  maxAttempts = 5,
  holder = thisProcess(),
}: StartJourneyOptions): Promise<StartJourneyResult> {
  const journeyId = journeyIdFor(idempotencyKey);
  const expiresAt = (now: number) => Math.floor(now / 1000) + retentionDays * 86_400;
  await createPending({ doc, table, journeyId, idempotencyKey, metadata, now: clock(), expiresAt: expiresAt(clock()) });
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const now = clock();
    const current = await readJourney(doc, table, journeyId);
    if (!current || isExpired(current, now)) {
      // TTL may lag (dynalite never deletes): an expired item counts as absent and starts over.
      await createPending({
        doc,
        table,
        journeyId,
        idempotencyKey,
        metadata,
        now,
        expiresAt: expiresAt(now),
        replacing: current?.revision,
      });
      continue;
    }
    if (current.status === "completed") return { journey: current, duplicate: true, resumed: false };
    // A run whose process is gone (kill -9, a crash on this host) is resumed at once, not after its lease.
    if (
      current.status === "in_progress" &&
      (current.lease_until ?? 0) > now &&
      !isHolderGone({ host: current.run_host, pid: current.run_pid })
    )
      throw new JourneyInProgressError(journeyId, current.lease_until ?? 0);
    const resumed = current.status !== "pending";
    try {
      const journey = await claim({
        doc,
        table,
        current,
        metadata,
        resumed,
        now,
        leaseMs,
        expiresAt: expiresAt(now),
        holder,
      });
      return { journey, duplicate: false, resumed };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // Another start moved the journey since we read it: look again.
    }
  }
  throw new JourneyConflictError(journeyId, maxAttempts);
}

/**
 * Appends a processing step to an in-progress journey and renews its lease. Idempotent:
 * a step whose id was already recorded (a retried task) is not appended twice.
 * @param options.step the step record (see `processingStepSchema`)
 * @param options.stepId dedup key of the step (default: a hash of its content, timestamps included)
 * @param options.leaseMs lease renewal (default 15 min; a longer lease already held is kept)
 * @throws JourneyNotFoundError, JourneyStateError (not in progress), JourneyLeaseLostError (runId no longer holds it)
 */
export async function recordStep({
  doc,
  table,
  clock = Date.now,
  journeyId,
  runId,
  step,
  stepId = stepIdOf(step),
  leaseMs = DEFAULT_LEASE_MS,
}: JourneyWriteOptions & { step: ProcessingStep; stepId?: string; leaseMs?: number }): Promise<Journey> {
  const stored = toStorable({ ...step, message: clip(step.message) });
  const action = `record step "${step.step}"`;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const now = clock();
    // Totals are computed from the journey read here; the write is conditional on its revision.
    const current = await getJourney({ doc, table, clock, journeyId });
    if (!current) throw new JourneyNotFoundError(journeyId);
    if (current.step_ids?.includes(stepId)) return current;
    try {
      const result = await request("update journey", table, journeyId, () =>
        doc.send(
          new UpdateCommand({
            TableName: table,
            Key: { journey_id: journeyId },
            UpdateExpression:
              "SET steps = list_append(if_not_exists(steps, :none), :step), step_ids = list_append(if_not_exists(step_ids, :none), :step_id), updated_at = :now, lease_until = :lease, revision = revision + :one, step_totals = :totals",
            ConditionExpression: `${heldCondition(runId)} AND NOT contains(step_ids, :sid) AND revision = :revision`,
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":none": [],
              ":step": [stored],
              ":step_id": [stepId],
              ":sid": stepId,
              ":now": new Date(now).toISOString(),
              // A step renews the lease but never shortens one the run took longer (its heartbeat's).
              ":lease": Math.max(current.lease_until ?? 0, now + leaseMs),
              ":one": 1,
              ":in_progress": "in_progress",
              ":revision": current.revision,
              ":totals": addStep(current.step_totals ?? totalsOf(current.steps), step),
              ...(runId ? { ":run": runId } : {}),
            },
            ReturnValues: "ALL_NEW",
          }),
        ),
      );
      return await dropOldSteps(doc, table, result.Attributes as Journey);
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const latest = await getJourney({ doc, table, clock, journeyId });
      if (latest?.step_ids?.includes(stepId)) return latest;
      // Another write moved the journey between our read and our update: try again on what it left.
      if (latest && latest.revision !== current.revision) continue;
      throw await explainRefusal({ doc, table, clock, journeyId, runId }, action, latest);
    }
  }
  throw new JourneyConflictError(journeyId, MAX_ATTEMPTS);
}

// Totals of steps recorded before totals were kept.
function totalsOf(steps: ProcessingStep[] = []): StepTotals {
  return steps.reduce(addStep, { steps: 0, records_in: 0, records_out: 0, records_invalid: 0, duration_ms: 0 });
}

function addStep(totals: StepTotals, step: ProcessingStep): StepTotals {
  return {
    steps: totals.steps + 1,
    records_in: totals.records_in + (step.records_in ?? 0),
    records_out: totals.records_out + (step.records_out ?? 0),
    records_invalid: totals.records_invalid + (step.records_invalid ?? 0),
    duration_ms: totals.duration_ms + (step.duration_ms ?? 0),
  };
}

// Keeps the last MAX_KEPT_STEPS steps (and their ids). Conditional on the revision just written:
// if another write came in between, the next step's write trims instead.
async function dropOldSteps(doc: DynamoDBDocumentClient, table: string, journey: Journey): Promise<Journey> {
  const excess = journey.steps.length - MAX_KEPT_STEPS;
  if (excess <= 0) return journey;
  const removed = Array.from({ length: excess }, (_, i) => `steps[${i}]`);
  const removedIds = Array.from(
    { length: Math.min(excess, journey.step_ids?.length ?? 0) },
    (_, i) => `step_ids[${i}]`,
  );
  try {
    const result = await request("trim journey", table, journey.journey_id, () =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { journey_id: journey.journey_id },
          UpdateExpression: `REMOVE ${[...removed, ...removedIds].join(", ")} SET revision = revision + :one`,
          ConditionExpression: "revision = :revision",
          ExpressionAttributeValues: { ":one": 1, ":revision": journey.revision },
          ReturnValues: "ALL_NEW",
        }),
      ),
    );
    return result.Attributes as Journey;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    return journey;
  }
}

/**
 * Extends the lease of the run holding a journey, for work that runs longer than the
 * lease without recording steps.
 * @returns the new lease expiry (epoch ms)
 * @throws JourneyNotFoundError, JourneyStateError, JourneyLeaseLostError
 */
export async function renewLease({
  doc,
  table,
  clock = Date.now,
  journeyId,
  runId,
  leaseMs = DEFAULT_LEASE_MS,
}: JourneyWriteOptions & { runId: string; leaseMs?: number }): Promise<number> {
  const leaseUntil = clock() + leaseMs;
  try {
    await request("renew lease of journey", table, journeyId, () =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { journey_id: journeyId },
          UpdateExpression: "SET lease_until = :lease, revision = revision + :one",
          ConditionExpression: heldCondition(runId),
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":lease": leaseUntil, ":one": 1, ":in_progress": "in_progress", ":run": runId },
        }),
      ),
    );
    return leaseUntil;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    throw await explainRefusal({ doc, table, clock, journeyId, runId }, "renew its lease");
  }
}

/**
 * The default dedup key of a step: a hash of its canonical JSON.
 * @param step a processing step
 */
export function stepIdOf(step: ProcessingStep): string {
  return createHash("sha256").update(canonicalJson(step)).digest("hex").slice(0, 24);
}

/**
 * Marks an in-progress journey completed. Completing a journey this run already
 * completed returns it unchanged, so a retried task is harmless.
 * @throws JourneyNotFoundError, JourneyStateError, JourneyLeaseLostError
 */
export async function completeJourney(options: JourneyWriteOptions): Promise<Journey> {
  return finish(options, "completed", undefined);
}

/**
 * Marks a pending or in-progress journey failed with the error it ended with. Failing a
 * journey this run already failed returns it unchanged.
 * @param options.error an Error, a Step Functions `{ Error, Cause }` object, or a message
 * @throws JourneyNotFoundError, JourneyStateError, JourneyLeaseLostError
 */
export async function failJourney(options: JourneyWriteOptions & { error: unknown }): Promise<Journey> {
  return finish(options, "failed", errorInfo(options.error));
}

/**
 * Reads a journey; an expired one (past its TTL) reads as absent.
 * @returns the journey, or undefined
 */
export async function getJourney({
  doc,
  table,
  clock = Date.now,
  journeyId,
}: JourneyTable & { journeyId: string }): Promise<Journey | undefined> {
  const journey = await readJourney(doc, table, journeyId);
  return journey && !isExpired(journey, clock()) ? journey : undefined;
}

/**
 * Lists journeys, newest first (a full scan: meant for operators and the CLI, not hot paths).
 * @param options.limit keep only the newest `limit`
 */
export async function listJourneys({
  doc,
  table,
  clock = Date.now,
  limit,
}: JourneyTable & { limit?: number }): Promise<Journey[]> {
  const journeys = await allPages<Journey>((ExclusiveStartKey) =>
    request("scan journeys of", table, "*", () => doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey }))),
  );
  const now = clock();
  const live = journeys.filter((journey) => !isExpired(journey, now));
  live.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  return limit === undefined ? live : live.slice(0, limit);
}

/**
 * The `{ name, message }` an error is stored as. Understands Error objects, Step Functions'
 * `{ Error, Cause }` (whose Cause may be the JSON of a Lambda error) and plain strings.
 * @param error whatever was thrown or caught
 */
export function errorInfo(error: unknown): JourneyErrorInfo {
  if (error instanceof Error) return { name: error.name, message: clip(error.message) ?? "" };
  if (typeof error === "string") return { name: "Error", message: clip(error) ?? "" };
  if (error && typeof error === "object") {
    const record = error as Record<string, unknown>;
    if (typeof record.Error === "string") {
      let message = typeof record.Cause === "string" ? record.Cause : "";
      try {
        const cause = JSON.parse(message) as Record<string, unknown>;
        if (typeof cause.errorMessage === "string") message = cause.errorMessage;
      } catch {
        // A Cause that is not JSON is already the message.
      }
      return { name: record.Error, message: clip(message) ?? "" };
    }
    if (typeof record.message === "string")
      return { name: typeof record.name === "string" ? record.name : "Error", message: clip(record.message) ?? "" };
  }
  return { name: "Error", message: clip(JSON.stringify(error) ?? String(error)) ?? "" };
}

async function finish(
  { doc, table, clock = Date.now, journeyId, runId }: JourneyWriteOptions,
  status: "completed" | "failed",
  error: JourneyErrorInfo | undefined,
): Promise<Journey> {
  const now = clock();
  const action = status === "completed" ? "complete it" : "fail it";
  try {
    const result = await request("update journey", table, journeyId, () =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { journey_id: journeyId },
          UpdateExpression: `SET #status = :status, updated_at = :now, revision = revision + :one${error ? ", #error = :error" : ""} REMOVE lease_until${error ? "" : ", #error"}`,
          ConditionExpression:
            status === "failed"
              ? `attribute_exists(journey_id) AND #status IN (:in_progress, :pending)${runId ? " AND run_id = :run" : ""}`
              : heldCondition(runId),
          ExpressionAttributeNames: { "#status": "status", "#error": "error" },
          ExpressionAttributeValues: {
            ":status": status,
            ":now": new Date(now).toISOString(),
            ":one": 1,
            ":in_progress": "in_progress",
            ...(status === "failed" ? { ":pending": "pending" } : {}),
            ...(error ? { ":error": error } : {}),
            ...(runId ? { ":run": runId } : {}),
          },
          ReturnValues: "ALL_NEW",
        }),
      ),
    );
    return result.Attributes as Journey;
  } catch (caught) {
    if (!isConditionalCheckFailed(caught)) throw caught;
    const current = await getJourney({ doc, table, clock, journeyId });
    // A retried task finishing the same run the same way is a no-op, not an error.
    if (current?.status === status && (runId === undefined || current.run_id === runId)) return current;
    throw await explainRefusal({ doc, table, clock, journeyId, runId }, action, current);
  }
}

function heldCondition(runId: string | undefined): string {
  return `attribute_exists(journey_id) AND #status = :in_progress${runId ? " AND run_id = :run" : ""}`;
}

async function explainRefusal(options: JourneyWriteOptions, action: string, known?: Journey): Promise<Error> {
  const current = known ?? (await getJourney(options));
  if (!current) return new JourneyNotFoundError(options.journeyId);
  if (options.runId !== undefined && current.run_id !== options.runId && current.status === "in_progress") {
    return new JourneyLeaseLostError(options.journeyId, options.runId, action);
  }
  return new JourneyStateError(options.journeyId, current.status, action);
}

async function readJourney(
  doc: DynamoDBDocumentClient,
  table: string,
  journeyId: string,
): Promise<Journey | undefined> {
  const result = await request("read journey", table, journeyId, () =>
    doc.send(new GetCommand({ TableName: table, Key: { journey_id: journeyId }, ConsistentRead: true })),
  );
  return result.Item as Journey | undefined;
}

async function createPending({
  doc,
  table,
  journeyId,
  idempotencyKey,
  metadata,
  now,
  expiresAt,
  replacing,
}: {
  doc: DynamoDBDocumentClient;
  table: string;
  journeyId: string;
  idempotencyKey: string;
  metadata: JourneyMetadata;
  now: number;
  expiresAt: number;
  /** Revision of an expired item being replaced; absent → only create if no item exists. */
  replacing?: number;
}): Promise<void> {
  const at = new Date(now).toISOString();
  const item: Journey = {
    journey_id: journeyId,
    idempotency_key: idempotencyKey,
    status: "pending",
    created_at: at,
    updated_at: at,
    metadata: toStorable(metadata) as JourneyMetadata,
    steps: [],
    retry_count: 0,
    revision: (replacing ?? -1) + 1,
    expires_at: expiresAt,
  };
  try {
    await request("create journey", table, journeyId, () =>
      doc.send(
        new PutCommand({
          TableName: table,
          Item: item,
          ConditionExpression: replacing === undefined ? "attribute_not_exists(journey_id)" : "revision = :revision",
          ExpressionAttributeValues: replacing === undefined ? undefined : { ":revision": replacing },
        }),
      ),
    );
  } catch (error) {
    // Someone else created (or replaced) it first; the caller reads whatever is there now.
    if (!isConditionalCheckFailed(error)) throw error;
  }
}

async function claim({
  doc,
  table,
  current,
  metadata,
  resumed,
  now,
  leaseMs,
  expiresAt,
  holder,
}: {
  doc: DynamoDBDocumentClient;
  table: string;
  current: Journey;
  metadata: JourneyMetadata;
  resumed: boolean;
  now: number;
  leaseMs: number;
  expiresAt: number;
  holder: LeaseHolder;
}): Promise<Journey> {
  const result = await request("claim journey", table, current.journey_id, () =>
    doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { journey_id: current.journey_id },
        UpdateExpression:
          "SET #status = :in_progress, run_id = :run, lease_until = :lease, updated_at = :now, retry_count = retry_count + :retry, revision = revision + :one, metadata = :metadata, expires_at = :expires, run_host = :host, run_pid = :pid REMOVE #error",
        ConditionExpression: "revision = :revision",
        // The previous run's error stays readable in its failed steps.
        ExpressionAttributeNames: { "#status": "status", "#error": "error" },
        ExpressionAttributeValues: {
          ":in_progress": "in_progress",
          ":run": randomUUID(),
          ":lease": now + leaseMs,
          ":now": new Date(now).toISOString(),
          ":retry": resumed ? 1 : 0,
          ":one": 1,
          ":metadata": toStorable({ ...current.metadata, ...metadata }),
          ":expires": expiresAt,
          ":revision": current.revision,
          ":host": holder.host,
          ":pid": holder.pid,
        },
        ReturnValues: "ALL_NEW",
      }),
    ),
  );
  return result.Attributes as Journey;
}

function isExpired(journey: Journey, now: number): boolean {
  return journey.expires_at * 1000 <= now;
}

function clip(message: string | undefined): string | undefined {
  return message !== undefined && message.length > MAX_MESSAGE_LENGTH
    ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…`
    : message;
}
