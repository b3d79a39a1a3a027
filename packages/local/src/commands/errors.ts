import { StorageWriteError } from "../services/errors";

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
  const shown = shownError(error);
  return shown instanceof Error
    ? { name: shown.name, message: shown.message }
    : { name: "Error", message: String(shown) };
}

/**
 * The error a command reports for what was thrown: a refused write to local state (a full or
 * read-only data directory, raised by the file system anywhere below) as one line naming the
 * path; anything else as it is.
 * @param error what was thrown
 */
export function shownError(error: unknown): unknown {
  return StorageWriteError.of(error) ?? error;
}
