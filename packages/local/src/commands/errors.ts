/** A mistake in how a command was called (unknown option or dataset, missing folder, inverted range…): exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** What went wrong, as every `--json` document carries it (`error`, `null` on success). */
export interface ErrorJson {
  name: string;
  message: string;
  /** The pipeline state that failed, for a failed run. */
  step?: string;
}

/**
 * The `error` of a JSON document for whatever was thrown.
 * @param error what was thrown
 */
export function errorJson(error: unknown): ErrorJson {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: "Error", message: String(error) };
}
