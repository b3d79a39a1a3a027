/** Base class of every SQL-engine error. */
export class EngineError extends Error {
  override name = "EngineError";
}

/** A query the engine ran and that failed; the message carries the engine's reason verbatim. */
export class QueryFailedError extends EngineError {
  override name = "QueryFailedError";
  /** Athena query execution id, when there is one. */
  readonly queryExecutionId?: string;
  /** The engine's own reason, unedited. */
  readonly reason: string;
  constructor(
    message: string,
    { reason, queryExecutionId, cause }: { reason: string; queryExecutionId?: string; cause?: unknown },
  ) {
    super(message, { cause });
    this.reason = reason;
    this.queryExecutionId = queryExecutionId;
  }
}

/** A query that was cancelled (by a user, a workgroup limit or a timeout). */
export class QueryCancelledError extends QueryFailedError {
  override name = "QueryCancelledError";
}

/** A query still running when the adapter stopped waiting. */
export class QueryTimeoutError extends EngineError {
  override name = "QueryTimeoutError";
}

const THROTTLING = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
]);

/** True for an AWS SDK error that says the request was throttled (worth retrying as is). @param error any error */
export const isThrottled = (error: unknown): boolean =>
  error instanceof Error &&
  (THROTTLING.has(error.name) || (error as { $retryable?: { throttling?: boolean } }).$retryable?.throttling === true);
