import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { convertToBronze } from "../bronze/convert";
import { UnparseableFileError } from "../bronze/errors";
import type { DatasetSpec } from "../dataset/spec";
import { RejectedFile } from "../ingest/quarantine";
import { io, uploadFile } from "../ingest/s3";
import type { LedgerEntry } from "../ledger/ledger";
import { commitReingested } from "../ledger/ledger";
import type { RedriveContext } from "./records";

/** The copy of a file quarantined whole because it could not be split into records. */
const UNPARSEABLE_SUFFIX = ".unparseable";

/** What redriving one file quarantined whole did. */
export interface FileRedrive {
  fileId: string;
  /** Whether it reached bronze this time (some of its records, at least). */
  recovered: boolean;
  /** Why it is still quarantined whole, when it is. */
  reason?: string;
  recordsBronze: number;
  recordsQuarantined: number;
}

/**
 * The key of the quarantined copy of a file that could not be read as records, if it is one.
 * @param entry the file's ledger entry
 */
export function unparseableKeyOf(entry: Pick<LedgerEntry, "quarantine_keys" | "bronze_key">): string | undefined {
  return entry.bronze_key ? undefined : entry.quarantine_keys.find((key) => key.endsWith(UNPARSEABLE_SUFFIX));
}

/**
 * Ingests again, under `spec`, a file quarantined whole as unparseable (its landing object sits in
 * `_failed/`; its bytes are in quarantine): what passes goes to bronze under the key ingestion gives
 * it, rejected records to quarantine, and the ledger entry says so (pending for silver), in one
 * conditional write; the whole-file copy is then removed from quarantine. A file still
 * unparseable stays as it is. Repeating it changes nothing.
 * @param entry the file's ledger entry
 * @param spec the dataset's current spec
 * @param ctx clients and names
 */
export async function redriveFile(entry: LedgerEntry, spec: DatasetSpec, ctx: RedriveContext): Promise<FileRedrive> {
  const fileId = entry.file_id;
  const copyKey = unparseableKeyOf(entry);
  const unchanged = { fileId, recovered: false, recordsBronze: 0, recordsQuarantined: 0 };
  if (!copyKey) return { ...unchanged, reason: entry.reason };
  const stem = copyKey.slice(0, -UNPARSEABLE_SUFFIX.length);
  const stage = join(ctx.tmpDir ?? tmpdir(), `medallion-redrive-${randomUUID()}`);
  const rejectedFile = new RejectedFile(`${stage}.rejected.ndjson`);
  try {
    const copy = await io(`reading ${copyKey}`, () =>
      ctx.s3.send(new GetObjectCommand({ Bucket: ctx.quarantineBucket, Key: copyKey })),
    );
    let converted: Awaited<ReturnType<typeof convertToBronze>>;
    try {
      converted = await convertToBronze(copy.Body as AsyncIterable<Uint8Array>, {
        spec,
        sourceKey: entry.source_key,
        parquetPath: `${stage}.parquet`,
        onRejected: ({ index, line, reason, raw }) =>
          rejectedFile.add({ source_key: entry.source_key, etag: entry.etag, line, index, reason, raw }),
      });
    } catch (error) {
      if (!(error instanceof UnparseableFileError)) throw error;
      return { ...unchanged, reason: error.message };
    }
    const quarantineKeys: string[] = [];
    const rejectedPath = rejectedFile.close();
    if (rejectedPath) {
      const key = `${stem}.rejected.ndjson`;
      await uploadFile(ctx.s3, {
        bucket: ctx.quarantineBucket,
        key,
        path: rejectedPath,
        contentType: "application/x-ndjson",
      });
      quarantineKeys.push(key);
    }
    let bronzeKey: string | undefined;
    if (converted.parquetPath) {
      bronzeKey = `${stem}.parquet`;
      await uploadFile(ctx.s3, {
        bucket: ctx.bronzeBucket,
        key: bronzeKey,
        path: converted.parquetPath,
        contentType: "application/vnd.apache.parquet",
      });
    }
    const coerced = Object.keys(converted.coerced).length ? converted.coerced : undefined;
    const committed = await io(`recording the redrive of ${fileId} in the ledger`, () =>
      commitReingested(ctx.doc, ctx.ledgerTable, entry, {
        status: bronzeKey ? "bronze" : "quarantined",
        records_in: converted.recordsIn,
        records_bronze: converted.recordsBronze,
        records_quarantined: converted.recordsRejected,
        quarantine_keys: quarantineKeys,
        ...(bronzeKey ? { bronze_key: bronzeKey } : {}),
        ...(coerced ? { coerced } : {}),
      }),
    );
    if (!committed) return { ...unchanged, reason: entry.reason };
    // The file is no longer quarantined whole: readers of the quarantine must not list it so.
    for (const key of entry.quarantine_keys)
      await io(`removing ${key}`, () =>
        ctx.s3.send(new DeleteObjectCommand({ Bucket: ctx.quarantineBucket, Key: key })),
      );
    return {
      fileId,
      recovered: converted.recordsBronze > 0,
      recordsBronze: converted.recordsBronze,
      recordsQuarantined: converted.recordsRejected,
    };
  } finally {
    await rejectedFile.discard();
    await rm(`${stage}.parquet`, { force: true });
  }
}
