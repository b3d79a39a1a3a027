/**
 * Errors of locks. Every class sets `name` to its class name so Step Functions
 * `Retry`/`Catch` can match on it.
 */
import { StoreError } from "../dynamo/errors";

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

/** A run's lock was taken over by another run (its lease ran out): it must stop writing. */
export class LockLostError extends StoreError {
  override name = "LockLostError";
  constructor(
    readonly lock: string,
    readonly owner: string,
  ) {
    super(`${lock} is no longer held by ${owner}: its lease ran out and another run took it`);
  }
}
