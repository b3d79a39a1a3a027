/**
 * Errors of congregado. Every class sets `name` to its class name so Step Functions
 * `Retry`/`Catch` can match on it.
 */
import { StoreError } from "../dynamo/errors";

/** Another writer changed the congregado after it was read, and the caller asked for conflicts to be reported. */
export class CongregadoConflictError extends StoreError {
  override name = "CongregadoConflictError";
  constructor(
    readonly id: string,
    readonly readVersion: number,
    attempts: number,
  ) {
    super(
      `congregado ${id}: version ${readVersion} was replaced by another writer (${attempts} attempt(s)); not overwriting`,
    );
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
    super(
      `congregado ${id}: item is ${bytes} bytes without any sample, over the ${maxBytes}-byte budget (metadata too large?)`,
    );
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
