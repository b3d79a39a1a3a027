/** Base class of the JSON → Parquet codec's errors. */
export class BronzeError extends Error {
  override name = "BronzeError";
}

/**
 * The file cannot be split into records (empty, truncated, unbalanced, not UTF-8, bad
 * separators): it is quarantined whole with this error's message as the reason.
 */
export class UnparseableFileError extends BronzeError {
  override name = "UnparseableFileError";
  /** 1-based line where the problem was found, when known. */
  readonly line: number | undefined;
  constructor(message: string, options: ErrorOptions & { line?: number } = {}) {
    super(message, options);
    this.line = options.line;
  }
}
