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
