import { mkdir, readdir, rename, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";

/** A file that appeared in the drop folder and stopped growing. */
export interface DroppedFile {
  /** Path relative to the drop folder, with `/` separators. */
  path: string;
  /** Where it is on disk (a dropped file may be larger than memory: copy it, never read it whole). */
  file: string;
  size: number;
}

/**
 * Whether a file's path (relative, `/`-separated) has a name starting with a dot in it: an
 * editor's or a copy tool's temporary file, or a folder of them, which is not landed but reported.
 * @param path the file's path inside the dropped folder
 */
export function isDotPath(path: string): boolean {
  return path.split("/").some((part) => part.startsWith("."));
}

/** Where taken files are moved: inside the drop folder, so nothing leaves the user's tree. */
export const UPLOADED_DIR = "_uploaded";

/**
 * Watches a folder for dropped files by polling (portable, and it sees files copied in
 * slowly): a file is taken once its size and mtime are the same on two polls in a row,
 * handed to `onFile`, then moved under `_uploaded/` — only after `onFile` succeeded, so a
 * failed upload is retried on the next poll rather than lost. Files under a name that starts
 * with a dot (editors' and copy tools' temporary files) are not taken: each is handed to
 * `onSkipped` once, so none is passed over in silence.
 * @param options folder, poll interval, and what to do with each file
 * @returns a function that stops watching and waits for the file in progress
 */
export async function watchDropFolder({
  dir,
  intervalMs = 500,
  onFile,
  onError,
  onSkipped,
}: {
  dir: string;
  intervalMs?: number;
  onFile: (file: DroppedFile) => Promise<void>;
  onError: (path: string, error: unknown) => void;
  onSkipped: (path: string, reason: string) => void;
}): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const seen = new Map<string, string>();
  const skipped = new Set<string>();
  let stopped = false;
  let polling: Promise<void> = Promise.resolve();

  async function poll(): Promise<void> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (stopped) return;
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath, entry.name);
      const path = relative(dir, full).split(sep).join("/");
      if (path.startsWith(`${UPLOADED_DIR}/`)) continue;
      if (isDotPath(path)) {
        if (!skipped.has(path)) onSkipped(path, "its name starts with a dot: rename it to ingest it");
        skipped.add(path);
        continue;
      }
      const info = await stat(full).catch(() => undefined);
      if (!info) continue;
      const signature = `${info.size}:${info.mtimeMs}`;
      if (seen.get(path) !== signature) {
        seen.set(path, signature);
        continue;
      }
      try {
        await onFile({ path, file: full, size: info.size });
        const target = join(dir, UPLOADED_DIR, path);
        await mkdir(dirname(target), { recursive: true });
        await rename(full, target);
        seen.delete(path);
      } catch (error) {
        onError(path, error);
      }
    }
  }

  const timer = setInterval(() => {
    polling = polling.then(poll).catch(() => undefined);
  }, intervalMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await polling;
  };
}
