/** A fixed port asked for is taken (by another medallion dev, or any other program). */
export class PortInUseError extends Error {
  override name = "PortInUseError";
}

// What the file system said, by errno code, for the refusals a data directory meets, and the way out.
const refusals: Record<string, [said: string, remedy: string]> = {
  ENOSPC: ["no space left on the device", "free space"],
  EDQUOT: ["the disk quota is used up", "free space"],
  EROFS: ["the file system is read-only", "make it writable"],
  EACCES: ["permission denied", "make it writable"],
  EPERM: ["operation not permitted", "make it writable"],
  ENOTDIR: ["a part of the path is a file, not a folder", "move that file or pass another --data-dir"],
  EEXIST: ["a file is where a folder must be", "move that file or pass another --data-dir"],
};

// The refusals whose text alone says a write was refused, as the C library words them.
const strerrors: Record<string, string> = {
  "No space left on device": "ENOSPC",
  "Disk quota exceeded": "EDQUOT",
  "Read-only file system": "EROFS",
};
const strerror = Object.keys(strerrors).join("|");
// Where a refusal reaches us as text, with no errno code: DuckDB (`IO Error: Could not write
// file "<path>": No space left on device`), LevelDB under dynalite (`IO error: <path>: No space
// left on device`), and this error's own line carried inside another message (a pipeline
// state's cause, a DynamoDB error built from dynalite's answer).
const saidPatterns = [
  new RegExp(`file "([^"]+)": (${strerror})`),
  new RegExp(`IO error: ([^\\n]+?): (${strerror})`),
  /cannot write ([^\n]+?): [^\n(]*\((E[A-Z]+)\); /,
];

/**
 * The path and errno code of a refused write that a message reports as text.
 * @param message an error's message
 */
function refusalSaid(message: string): { path: string; code: string } | undefined {
  for (const pattern of saidPatterns) {
    const [, path, said] = pattern.exec(message) ?? [];
    if (!path || !said) continue;
    const code = strerrors[said] ?? said;
    if (code in refusals) return { path, code };
  }
  return undefined;
}

/**
 * The file system refused to write local state (the data directory full, read-only or not
 * writable). Its message is one line naming the path; nothing was left half-written, so the
 * same command run again once the cause is fixed picks up where this one stopped.
 */
export class StorageWriteError extends Error {
  override name = "StorageWriteError";
  /** s3rver answers with the message of an error it may expose, instead of a generic one. */
  readonly expose = true;
  constructor(
    readonly path: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    const [said, remedy] = refusals[code] ?? [code, "fix it"];
    super(`cannot write ${path}: ${said} (${code}); ${remedy}, then run again`, options);
  }

  /**
   * The write refusal an error is, or was caused by: a StorageWriteError, a file system
   * error whose code is one of a full, read-only or unwritable directory, or an error whose
   * message says so as text (DuckDB's and LevelDB's, which carry no code).
   * @param error what was thrown
   * @param path the path to name (default: the one the file system error names)
   */
  static of(error: unknown, path?: string): StorageWriteError | undefined {
    for (let cause = error, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
      if (cause instanceof StorageWriteError) return cause;
      const { code, path: named, syscall } = cause as NodeJS.ErrnoException;
      // EEXIST is a refusal only where a folder was to be made.
      if (code === "EEXIST" && syscall !== "mkdir") continue;
      if (code && code in refusals && (path ?? named)) return new StorageWriteError(path ?? named!, code, { cause });
      const said = refusalSaid(cause.message);
      if (said) return new StorageWriteError(path ?? said.path, said.code, { cause });
    }
    return undefined;
  }
}
