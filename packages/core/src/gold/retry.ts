import { isThrottled } from "../engine/errors";
import type { QueryResult, SqlEngine } from "../engine/port";
import type { Statement } from "../sql/ast";
import { GoldRetryExhaustedError, IcebergCommitConflictError } from "./errors";

/** Retry settings of {@link runWithRetry}. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 6). */
  maxAttempts?: number;
  /** Backoff cap before jitter: `min(maxDelayMs, baseDelayMs × 2^(attempt−1))` (defaults 1 s, 30 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Sleep and randomness, replaceable so tests neither wait nor guess. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * Runs after each backoff, before the statement runs again: the run's lease heartbeat
   * (`renewRunLeases` of `@medallion/core/journey`). Backoffs and attempts of a long MERGE can
   * outlast the lease; renewed before every attempt, the lease never lapses while the run lives,
   * and a run whose lease was taken over stops with what this throws (LockLostError) instead of
   * writing over the run that took it.
   */
  beforeRetry?: () => Promise<unknown>;
}

// Athena reports these inside a failed query's reason, not as an SDK error name.
const RETRYABLE_REASONS = /ICEBERG_COMMIT_ERROR|TOO_MANY_REQUESTS|Rate exceeded|ThrottlingException|SlowDown/i;
const COMMIT_CONFLICT = /ICEBERG_COMMIT_ERROR/;

const textsOf = (error: unknown): string[] => {
  const texts: string[] = [];
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const reason = (current as { reason?: unknown }).reason;
    texts.push(current.message, ...(typeof reason === "string" ? [reason] : []));
  }
  return texts;
};

/**
 * True when a statement's failure is worth retrying as is: an Iceberg commit conflict
 * (another writer committed first; nothing of ours was committed) or throttling, anywhere
 * in the error's cause chain.
 * @param error what the engine threw
 */
export function isRetryableGoldError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (isThrottled(current)) return true;
  }
  return textsOf(error).some((text) => RETRYABLE_REASONS.test(text));
}

/**
 * Runs a statement, retrying commit conflicts and throttling with full-jitter exponential backoff.
 * Safe because every gold statement is idempotent: a MERGE recomputes its source from silver.
 * @param engine the SQL engine
 * @param statement the statement
 * @param options attempts, delays, sleep and randomness, and the lease heartbeat run before each retry
 * @example await runWithRetry(engine, mergeStatement(source), { maxAttempts: 4 });
 */
export async function runWithRetry(
  engine: SqlEngine,
  statement: Statement,
  {
    maxAttempts = 6,
    baseDelayMs = 1_000,
    maxDelayMs = 30_000,
    sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random = Math.random,
    beforeRetry,
  }: RetryOptions = {},
): Promise<QueryResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await engine.run(statement);
    } catch (error) {
      if (!isRetryableGoldError(error)) throw error;
      if (attempt >= maxAttempts) {
        const message = `statement still failing after ${attempt} attempts: ${(error as Error).message}`;
        // Named apart so the state machine can retry conflicts later, after other writers finish.
        if (textsOf(error).some((text) => COMMIT_CONFLICT.test(text)))
          throw new IcebergCommitConflictError(message, attempt, { cause: error });
        throw new GoldRetryExhaustedError(message, attempt, { cause: error });
      }
      await sleep(Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))));
      await beforeRetry?.();
    }
  }
}
