/**
 * Errors of the DynamoDB stores (journey control, congregado). Every class sets `name`
 * to its class name so Step Functions `Retry`/`Catch` can match on it, and passes the
 * underlying `cause` through.
 */

/** Base of every store error. */
export class StoreError extends Error {
  override name = "StoreError";
}

/** A DynamoDB call failed for a reason other than a lost conditional write. */
export class StoreRequestError extends StoreError {
  override name = "StoreRequestError";
  constructor(
    message: string,
    readonly table: string,
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Another run holds an unexpired lease on the journey: this run must not proceed. */
export class JourneyInProgressError extends StoreError {
  override name = "JourneyInProgressError";
  constructor(
    readonly journeyId: string,
    readonly leaseUntil: number,
  ) {
    super(`journey ${journeyId} is in progress under another run until ${new Date(leaseUntil).toISOString()}; refusing a second concurrent run`);
  }
}

/** No journey with this id exists (or it expired). */
export class JourneyNotFoundError extends StoreError {
  override name = "JourneyNotFoundError";
  constructor(readonly journeyId: string) {
    super(`journey ${journeyId} does not exist`);
  }
}

/** The journey is not in a status that allows the requested transition. */
export class JourneyStateError extends StoreError {
  override name = "JourneyStateError";
  constructor(
    readonly journeyId: string,
    readonly status: string,
    action: string,
  ) {
    super(`journey ${journeyId} is ${status}: cannot ${action}`);
  }
}

/** The journey was resumed by another run after this run's lease expired. */
export class JourneyLeaseLostError extends StoreError {
  override name = "JourneyLeaseLostError";
  constructor(
    readonly journeyId: string,
    readonly runId: string,
    action: string,
  ) {
    super(`journey ${journeyId}: run ${runId} lost its lease to another run; cannot ${action}`);
  }
}

/** Conditional writes kept losing races; the caller may retry later. */
export class JourneyConflictError extends StoreError {
  override name = "JourneyConflictError";
  constructor(
    readonly journeyId: string,
    attempts: number,
  ) {
    super(`journey ${journeyId}: state kept changing under ${attempts} attempts to start it`);
  }
}

/** `executeWithJourney` ran out of retries; `cause` is the last attempt's error. */
export class JourneyFailedError extends StoreError {
  override name = "JourneyFailedError";
  constructor(
    readonly journeyId: string,
    readonly attempts: number,
    options: ErrorOptions,
  ) {
    super(`journey ${journeyId} failed after ${attempts} attempt(s): ${describe(options.cause)}`, options);
  }
}

/** Another writer changed the congregado after it was read, and the caller asked for conflicts to be reported. */
export class CongregadoConflictError extends StoreError {
  override name = "CongregadoConflictError";
  constructor(
    readonly id: string,
    readonly readVersion: number,
    attempts: number,
  ) {
    super(`congregado ${id}: version ${readVersion} was replaced by another writer (${attempts} attempt(s)); not overwriting`);
  }
}

/** The congregado item does not fit DynamoDB's 400 KB limit even with an empty sample. */
export class CongregadoTooLargeError extends StoreError {
  override name = "CongregadoTooLargeError";
  constructor(
    readonly id: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`congregado ${id}: item is ${bytes} bytes without any sample, over the ${maxBytes}-byte budget (metadata too large?)`);
  }
}

/** The congregado input is unusable (empty id, data not an array…). */
export class CongregadoValidationError extends StoreError {
  override name = "CongregadoValidationError";
  constructor(
    readonly id: string,
    reason: string,
  ) {
    super(`congregado ${JSON.stringify(id)}: ${reason}`);
  }
}

/** Some items of a congregado batch could not be saved (the others were). */
export class CongregadoBatchError extends StoreError {
  override name = "CongregadoBatchError";
  constructor(
    readonly failedIds: string[],
    total: number,
  ) {
    super(`${failedIds.length} of ${total} congregado(s) could not be saved: ${failedIds.slice(0, 20).join(", ")}${failedIds.length > 20 ? ", …" : ""}`);
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/** Another run holds the lock (e.g. a dataset's consolidation): wait and retry, or give up. */
export class LockHeldError extends StoreError {
  override name = "LockHeldError";
  constructor(
    readonly lock: string,
    readonly owner: string,
    readonly expiresAt: number,
  ) {
    super(`${lock} is held by ${owner} until ${new Date(expiresAt).toISOString()}`);
  }
}
