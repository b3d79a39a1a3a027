/**
 * Errors of HTTP API sources. Every class sets `name` to its class name (Step Functions
 * and log queries match on it) and passes the underlying `cause` through. Messages name
 * the URL and status, never a header value: the auth secret must not reach a log.
 */

/** Base of every source error. */
export class SourceError extends Error {
  override name = "SourceError";
}

/** A source spec that cannot be pulled (bad name, URL, window start…). */
export class SourceSpecError extends SourceError {
  override name = "SourceSpecError";
}

/** The API answered a 4xx other than 429: retrying will not help. */
export class HttpClientError extends SourceError {
  override name = "HttpClientError";
  constructor(
    readonly url: string,
    readonly status: number,
    detail: string,
  ) {
    super(`GET ${url} answered HTTP ${status}${detail ? `: ${detail}` : ""}`);
  }
}

/** 429 / 5xx / timeouts / network errors outlasted the retry policy. */
export class HttpRetryExhaustedError extends SourceError {
  override name = "HttpRetryExhaustedError";
  constructor(
    readonly url: string,
    readonly attempts: number,
    readonly lastFailure: string,
    options?: ErrorOptions,
  ) {
    super(`GET ${url} failed after ${attempts} attempt(s); last: ${lastFailure}`, options);
  }
}

/** The response is not what the source spec describes (not JSON, no records array…). */
export class InvalidResponseError extends SourceError {
  override name = "InvalidResponseError";
  constructor(
    readonly url: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`GET ${url}: ${reason}`, options);
  }
}

/** Another run moved the watermark since this run read it; this run's advance was refused. */
export class WatermarkConflictError extends SourceError {
  override name = "WatermarkConflictError";
  constructor(
    readonly source: string,
    readonly expected: string,
  ) {
    super(`watermark of source ${source} is no longer ${expected}: another run moved it; not overwriting`);
  }
}

/** The page cap was reached inside the first window: the watermark could not move at all. */
export class PageCapError extends SourceError {
  override name = "PageCapError";
  constructor(
    readonly source: string,
    readonly window: string,
    readonly maxPages: number,
  ) {
    super(
      `source ${source}: window ${window} has more than ${maxPages} page(s), the cap per run; raise maxPagesPerRun or use smaller windows`,
    );
  }
}

/** A pulled page could not be written to landing. */
export class LandingWriteError extends SourceError {
  override name = "LandingWriteError";
  constructor(
    readonly bucket: string,
    readonly key: string,
    options: ErrorOptions,
  ) {
    super(`writing s3://${bucket}/${key} failed: ${describe(options.cause)}`, options);
  }
}

/** Pulling a window failed; pages of earlier windows were written and the watermark covers them. */
export class SourcePullError extends SourceError {
  override name = "SourcePullError";
  constructor(
    readonly source: string,
    readonly window: string,
    readonly watermark: string,
    options: ErrorOptions,
  ) {
    super(
      `source ${source}: pulling window ${window} failed (watermark left at ${watermark}): ${describe(options.cause)}`,
      options,
    );
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
