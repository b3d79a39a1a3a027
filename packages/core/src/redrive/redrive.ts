import type { DatasetSpec } from "../dataset/spec";
import { listLedger } from "../ledger/ledger";
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
  /** Each file whose quarantined records were tried, in ledger order. */
  files: RecordsRedrive[];
}

/** Options of {@link redriveDataset}. */
export interface RedriveOptions {
  spec: DatasetSpec;
  /** First ingest day (`YYYY-MM-DD`, inclusive); all when left out. */
  from?: string;
  /** Last ingest day (`YYYY-MM-DD`, inclusive); all when left out. */
  to?: string;
  /** Called after each file. */
  onFile?: (file: RecordsRedrive) => void;
}

/**
 * Tries a dataset's quarantined records again under its current spec (files ingested in
 * [from, to], by ingest day): what now passes goes to bronze as new parts with lineage to the
 * originals, pending for the next run; what still fails stays with its new reason. Idempotent.
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
  const candidates = entries.filter(
    (entry) =>
      !entry.redrive_of &&
      entry.records_quarantined > 0 &&
      rejectedKeyOf(entry) !== undefined &&
      inRange(entry.ingested_at.slice(0, 10)),
  );
  const records: RedriveCounts = { tried: 0, recovered: 0, stillFailing: 0 };
  const files: RecordsRedrive[] = [];
  for (const entry of candidates) {
    const file = await redriveRecords(entry, spec, ctx);
    records.tried += file.tried;
    records.recovered += file.recovered;
    records.stillFailing += file.stillFailing;
    files.push(file);
    onFile?.(file);
  }
  return { dataset: spec.name, ...(from ? { from } : {}), ...(to ? { to } : {}), records, files };
}
