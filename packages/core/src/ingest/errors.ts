/** Base class of every ingestion error. */
export class IngestError extends Error {
  override name = "IngestError";
}

/**
 * The file cannot be split into records (empty, truncated, unbalanced, not UTF-8, bad
 * separators): it is quarantined whole with this error's message as the reason.
 */
export class UnparseableFileError extends IngestError {
  override name = "UnparseableFileError";
  /** 1-based line where the problem was found, when known. */
  readonly line: number | undefined;
  constructor(message: string, options: ErrorOptions & { line?: number } = {}) {
    super(message, options);
    this.line = options.line;
  }
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
