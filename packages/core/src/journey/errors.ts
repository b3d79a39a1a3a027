/**
 * Errors of journey control. Every class sets `name` to its class name so Step Functions
 * `Retry`/`Catch` can match on it.
 */
import { StoreError } from "../dynamo/errors";

/** Another run holds an unexpired lease on the journey: this run must not proceed. */
export class JourneyInProgressError extends StoreError {
  override name = "JourneyInProgressError";
  constructor(
    readonly journeyId: string,
    readonly leaseUntil: number,
  ) {
    super(
      `journey ${journeyId} is in progress under another run until ${new Date(leaseUntil).toISOString()}; refusing a second concurrent run`,
    );
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
