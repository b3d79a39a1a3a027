/** Base class of every silver consolidation error. */
export class SilverError extends Error {
  override name = "SilverError";
}

/** The dataset's spec cannot drive silver (no `silver` section, unknown column, bad dedup key). */
export class SilverSpecError extends SilverError {
  override name = "SilverSpecError";
}

/** A bronze file could not be read while planning. */
export class BronzeReadError extends SilverError {
  override name = "BronzeReadError";
}

/**
 * The written version does not hold exactly the planned partitions. Swapping would lose rows,
 * so the commit stops before touching the catalog.
 */
export class VersionMismatchError extends SilverError {
  override name = "VersionMismatchError";
}

/** The catalog could not be read or updated. */
export class CatalogError extends SilverError {
  override name = "CatalogError";
}

/** One bronze file's statement would not fit in a Step Functions state on its way to Athena. */
export class SilverPlanTooLargeError extends SilverError {
  override name = "SilverPlanTooLargeError";
}
