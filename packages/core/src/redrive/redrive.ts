import type { DatasetSpec } from "../dataset/spec";
import { archiveLandingObject } from "../ingest/archive";
import type { LedgerEntry } from "../ledger/ledger";
import { listLedger, restoreSetAside } from "../ledger/ledger";
import type { FileRedrive } from "./files";
import { redriveFile, unparseableKeyOf } from "./files";
import type { RecordsRedrive, RedriveContext } from "./records";
import { redriveRecords, rejectedKeyOf } from "./records";

/** Tried, recovered and still failing, for one kind of redrive. */
export interface RedriveCounts {
  tried: number;
  recovered: number;
  stillFailing: number;
}

/** What `redrive` did for a dataset: per kind, and per file. */
export interface RedriveSummary {
  dataset: string;
  from?: string;
  to?: string;
  /** Quarantined records of files that reached ingestion. */
  records: RedriveCounts;
  /** Files quarantined whole as unparseable (their landing object in `_failed/`), counted as files. */
  failedFiles: RedriveCounts;
  /** Each file whose quarantined records were tried, in ledger order. */
  files: RecordsRedrive[];
  /** Each file quarantined whole that was tried, in ledger order. */
  failed: FileRedrive[];
  /** Files set aside (their data failed a plan alone, again) put back to pending for the next run. */
  setAside: SetAsideRedrive[];
  /** Landing objects moved from `_failed/` to `_done/`: their keys there (files that reach bronze now). */
  archived: string[];
}

/** A set-aside file a redrive put back to pending, and why it had been set aside. */
export interface SetAsideRedrive {
  fileId: string;
  /** The layer whose step failed, and its last error. */
  failedStep?: string;
  lastError?: string;
}

/** Options of {@link redriveDataset}. */
export interface RedriveOptions {
  spec: DatasetSpec;
  /** First ingest day (`YYYY-MM-DD`, inclusive); all when left out. */
  from?: string;
  /** Last ingest day (`YYYY-MM-DD`, inclusive); all when left out. */
  to?: string;
  /** Called after each file. */
  onFile?: (file: RecordsRedrive | FileRedrive | SetAsideRedrive) => void;
}

/**
 * Tries a dataset's quarantined files and records again under its current spec (files ingested
 * in [from, to], by ingest day): a file quarantined whole is read again, and the records that now
 * pass go to bronze (for records, as new parts with lineage to the originals), pending for the
 * next run; what still fails stays with its new reason. Files set aside by the pipeline are
 * made pending again. Idempotent.
 * @param options the dataset's spec and range
 * @param ctx clients and names
 * @example const summary = await redriveDataset({ spec: carTelemetry }, { s3, doc, ledgerTable, bronzeBucket, quarantineBucket });
 */
export async function redriveDataset(
  { spec, from, to, onFile }: RedriveOptions,
  ctx: RedriveContext,
): Promise<RedriveSummary> {
  const entries = await listLedger(ctx.doc, ctx.ledgerTable, spec.name);
  const inRange = (day: string) => (!from || day >= from) && (!to || day <= to);
  const wanted = entries.filter((entry) => !entry.redrive_of && inRange(entry.ingested_at.slice(0, 10)));
  // Both lists are taken first: a file read whole again now is not tried twice in one redrive.
  const wholeFiles = wanted.filter((entry) => unparseableKeyOf(entry) !== undefined);
  const withRecords = wanted.filter((entry) => entry.records_quarantined > 0 && rejectedKeyOf(entry) !== undefined);
  const failedFiles: RedriveCounts = { tried: 0, recovered: 0, stillFailing: 0 };
  const failed: FileRedrive[] = [];
  const archived: string[] = [];
  for (const entry of wholeFiles) {
    const file = await redriveFile(entry, spec, ctx);
    await moveToDone(entry, file.recovered, ctx, archived);
    failedFiles.tried++;
    if (file.recovered) failedFiles.recovered++;
    else failedFiles.stillFailing++;
    failed.push(file);
    onFile?.(file);
  }
  const records: RedriveCounts = { tried: 0, recovered: 0, stillFailing: 0 };
  const files: RecordsRedrive[] = [];
  for (const entry of withRecords) {
    const file = await redriveRecords(entry, spec, ctx);
    await moveToDone(entry, file.recovered > 0, ctx, archived);
    records.tried += file.tried;
    records.recovered += file.recovered;
    records.stillFailing += file.stillFailing;
    files.push(file);
    onFile?.(file);
  }
  // Set-aside files go back to pending as they are: the fix is in their bronze object or the spec.
  const setAside: SetAsideRedrive[] = [];
  for (const entry of wanted.filter((e) => e.status === "set_aside")) {
    if (!(await restoreSetAside(ctx.doc, ctx.ledgerTable, entry))) continue;
    const file: SetAsideRedrive = {
      fileId: entry.file_id,
      ...(entry.failed_step ? { failedStep: entry.failed_step } : {}),
      ...(entry.last_error ? { lastError: entry.last_error } : {}),
    };
    setAside.push(file);
    onFile?.(file);
  }
  return {
    dataset: spec.name,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    records,
    failedFiles,
    files,
    failed,
    setAside,
    archived,
  };
}

// A file none of whose records reached bronze at ingest had its landing object archived in
// `_failed/`; once a redrive takes records of it to bronze, it moves to `_done/` as ingest would
// have archived it (an older version's copy there kept under its versioned name). An earlier
// redrive that recovered it may have stopped before the move: it is tried again (a copy gone
// already is left alone), so a repeat changes nothing.
async function moveToDone(entry: LedgerEntry, recovered: boolean, ctx: RedriveContext, archived: string[]) {
  const earlier = entry.reingested_at !== undefined || (entry.redrive_count ?? 0) > 0;
  if (!((recovered && entry.records_bronze === 0) || earlier)) return;
  const moved = await archiveLandingObject({
    s3: ctx.s3,
    source: { bucket: ctx.landingBucket, key: entry.source_key, etag: entry.etag },
    outcome: "done",
    from: "failed",
    fileId: entry.file_id,
  });
  if (moved.archived) archived.push(moved.archiveKey);
}
