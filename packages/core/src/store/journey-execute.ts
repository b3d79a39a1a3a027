import type { ProcessingStep } from "../processing/step";
import { stepTiming } from "../processing/step";
import { JourneyFailedError } from "./errors";
import { completeJourney, errorInfo, failJourney, recordStep, renewLease, startJourney } from "./journey-control";
import type { Journey, StartJourneyOptions } from "./journey-control";

/** What the function run under a journey is told about its attempt. */
export interface JourneyAttempt {
  journeyId: string;
  runId: string;
  /** 0 for the first attempt, then 1, 2… */
  attempt: number;
}

/** Options of {@link executeWithJourney}. */
export interface ExecuteWithJourneyOptions extends StartJourneyOptions {
  /** Retries after the first attempt (default 3, so at most 4 attempts). */
  maxRetries?: number;
  /** Delay before the first retry; doubles for each further one (default 200 ms). */
  baseDelayMs?: number;
  /** Cap on one delay (default 30 s). */
  maxDelayMs?: number;
  /** Step name recorded for each attempt (default "execute"). */
  step?: string;
  /** Fields every recorded step carries (dataset, layer, host, code_version…). */
  stepFields?: Partial<Omit<ProcessingStep, "step" | "status" | "attempt" | "started_at" | "finished_at" | "duration_ms">>;
  /** Waits between attempts (default a timer); injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
}

/** What {@link executeWithJourney} did. */
export type ExecuteWithJourneyResult<T> =
  | { duplicate: true; journey: Journey }
  | { duplicate: false; journey: Journey; result: T; attempts: number };

/**
 * Runs `fn` under the journey of `idempotencyKey`: starts (or resumes) it, runs `fn` with
 * retries and exponential backoff (`baseDelayMs · 2^n`, capped), records every attempt as
 * a step, and completes the journey, or fails it with the last error and throws
 * {@link JourneyFailedError} (cause: that error). A key that already completed is not run.
 * A run already in progress elsewhere makes it throw `JourneyInProgressError`.
 * @param fn the work; receives the journey id, run id and attempt number
 * @example
 * const outcome = await executeWithJourney(() => consolidate(day), { doc, table, idempotencyKey: `silver#${day}` });
 */
export async function executeWithJourney<T>(fn: (attempt: JourneyAttempt) => Promise<T>, options: ExecuteWithJourneyOptions): Promise<ExecuteWithJourneyResult<T>> {
  const { doc, table, clock = Date.now, maxRetries = 3, baseDelayMs = 200, maxDelayMs = 30_000, step = "execute", stepFields = {}, sleep = delay } = options;
  const started = await startJourney(options);
  if (started.duplicate) return { duplicate: true, journey: started.journey };
  const journeyId = started.journey.journey_id;
  const runId = started.journey.run_id ?? "";
  const leaseMs = options.leaseMs ?? 15 * 60_000;
  const write = { doc, table, clock, journeyId, runId, leaseMs };

  for (let attempt = 0; ; attempt++) {
    const startedAt = clock();
    const heartbeat = keepLease(() => renewLease(write), leaseMs);
    const outcome = await settle(() => fn({ journeyId, runId, attempt }));
    const lost = await heartbeat.stop();
    // Another run took the journey over while this attempt ran: nothing more may be written.
    if (lost !== undefined) throw lost;
    const timing = stepTiming(startedAt, clock());
    if (outcome.ok) {
      await recordStep({ ...write, step: { ...stepFields, step, status: "succeeded", attempt, ...timing } });
      const journey = await completeJourney(write);
      return { duplicate: false, journey, result: outcome.value, attempts: attempt + 1 };
    }
    const { name, message } = errorInfo(outcome.error);
    await recordStep({ ...write, step: { ...stepFields, step, status: "failed", attempt, message: `${name}: ${message}`, ...timing } });
    if (attempt >= maxRetries) {
      await failJourney({ ...write, error: outcome.error });
      throw new JourneyFailedError(journeyId, attempt + 1, { cause: outcome.error });
    }
    await sleep(Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
  }
}

// Bookkeeping writes stay outside this, so a store failure is never retried as if the work had failed.
async function settle<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

// Renews the lease every third of its length while work runs, so a slow but live run
// is never taken over; a crashed one stops renewing and its lease runs out.
function keepLease(renew: () => Promise<unknown>, leaseMs: number): { stop(): Promise<unknown> } {
  let failure: unknown;
  let pending: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    pending = renew().catch((error: unknown) => {
      // A transient store error is tried again next beat; losing the journey is final.
      if (error instanceof Error && error.name !== "StoreRequestError") failure ??= error;
    });
  }, Math.max(1, Math.floor(leaseMs / 3)));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      return failure;
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
