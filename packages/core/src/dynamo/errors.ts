/**
 * Errors of the DynamoDB stores (ledger, journeys, congregados, locks). Every class sets
 * `name` to its class name so Step Functions `Retry`/`Catch` can match on it, and passes
 * the underlying `cause` through.
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
