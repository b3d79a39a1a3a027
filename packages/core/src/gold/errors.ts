/** Base class of every gold error. */
export class GoldError extends Error {
  override name = "GoldError";
}

/** A gold table spec that cannot be built (unknown column, empty key, bad partitioning). */
export class GoldSpecError extends GoldError {
  override name = "GoldSpecError";
}

/** One offending merge key of the source: its values, and how many source rows carry it. */
export interface OffendingKey {
  key: Record<string, unknown>;
  rows: number;
}

/**
 * The MERGE source holds a key several times, or a key with a NULL part. Athena would fail
 * the MERGE (or match nothing and insert again), so it is refused before gold is touched.
 */
export class DuplicateSourceKeyError extends GoldError {
  override name = "DuplicateSourceKeyError";
  constructor(
    readonly table: string,
    readonly keys: OffendingKey[],
  ) {
    const shown = keys
      .map(
        ({ key, rows }) =>
          `${Object.entries(key)
            .map(([name, value]) => `${name}=${value === null ? "NULL" : String(value)}`)
            .join(", ")} (${rows} row${rows === 1 ? "" : "s"})`,
      )
      .join("; ");
    super(
      `MERGE into ${table} refused, gold left unchanged: the source key must be unique and non-NULL, offending keys: ${shown}`,
    );
  }
}

/** A statement for one window is still over Athena's query-text limit: it cannot be split further. */
export class GoldStatementTooLargeError extends GoldError {
  override name = "GoldStatementTooLargeError";
}

/** A statement kept failing with a retryable error (Iceberg commit conflict, throttling) after every attempt. */
export class GoldRetryExhaustedError extends GoldError {
  override name = "GoldRetryExhaustedError";
  constructor(
    message: string,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Iceberg commit conflicts (another writer committed first) outlasted every attempt; retrying later is safe. */
export class IcebergCommitConflictError extends GoldRetryExhaustedError {
  override name = "IcebergCommitConflictError";
}

/** OPTIMIZE or VACUUM still asked for more runs after the allowed number of runs. */
export class GoldMaintenanceIncompleteError extends GoldError {
  override name = "GoldMaintenanceIncompleteError";
}
