/** Base class of every ingestion error. */
export class IngestError extends Error {
  override name = "IngestError";
}

/** The landing key cannot be mapped to a safe object name (e.g. it has `..` segments). */
export class UnsafeKeyError extends IngestError {
  override name = "UnsafeKeyError";
}

/** Reading the landing object or writing bronze, quarantine or the ledger failed; retry the event. */
export class IngestIoError extends IngestError {
  override name = "IngestIoError";
}

/** The archive copy of a landing object does not match the original (size or ETag): the original is kept. */
export class ArchiveVerificationError extends IngestError {
  override name = "ArchiveVerificationError";
}
