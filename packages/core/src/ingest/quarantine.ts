import { appendFileSync, writeFileSync } from "node:fs";
import { unlink } from "node:fs/promises";

/** One rejected record, as written to quarantine. */
export interface RejectedEntry {
  source_key: string;
  etag: string;
  /** 1-based line the record starts on. */
  line: number;
  /** 0-based position of the record in the file. */
  index: number;
  reason: string;
  /** The record's text (a preview when it was over the size limit). */
  raw: string;
}

/**
 * A local NDJSON file of rejected records, appended in batches so memory stays bounded
 * however many records a file rejects.
 */
export class RejectedFile {
  private pending: string[] = [];
  private pendingChars = 0;
  private started = false;
  /** Records written so far. */
  count = 0;

  constructor(private readonly path: string) {}

  /** Appends one rejected record. */
  add(entry: RejectedEntry): void {
    const line = `${JSON.stringify(entry)}\n`;
    this.pending.push(line);
    this.pendingChars += line.length;
    this.count++;
    if (this.pendingChars > 1 << 20) this.flush();
  }

  /** Flushes buffered lines; returns the file's path, or undefined when nothing was rejected. */
  close(): string | undefined {
    this.flush();
    return this.started ? this.path : undefined;
  }

  /** Removes the file, if one was started. */
  async discard(): Promise<void> {
    if (this.started) await unlink(this.path).catch(() => undefined);
  }

  private flush(): void {
    if (!this.pending.length) return;
    const text = this.pending.join("");
    if (this.started) appendFileSync(this.path, text);
    else writeFileSync(this.path, text);
    this.started = true;
    this.pending = [];
    this.pendingChars = 0;
  }
}
