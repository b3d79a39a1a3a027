import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
// The mini build: this schema is on the ingest Lambda's path, whose bundle pays for every
// byte of zod it pulls in (test/bench/bundles).
import * as z from "zod/mini";
import type { DatasetSpec } from "../dataset/spec";

/** The landing object to ingest, as an S3 event names it. */
export const ingestSourceSchema = z.object({
  bucket: z.string(),
  key: z.string(),
  etag: z.string(),
  versionId: z.optional(z.string()),
});

/** The landing object to ingest. */
export type IngestSource = z.infer<typeof ingestSourceSchema>;

/** What ingestion needs: clients, names and datasets, all passed in. */
export interface IngestContext {
  s3: S3Client;
  doc: DynamoDBDocumentClient;
  ledgerTable: string;
  bronzeBucket: string;
  quarantineBucket: string;
  /** The dataset of a key is the one whose `landingPrefix` starts it. */
  datasets: DatasetSpec[];
  /** Where the Parquet and rejected-records files are staged (default `os.tmpdir()`). */
  tmpDir?: string;
  /** Called every ~10k records. */
  onProgress?: (progress: { records: number; bytes: number }) => void;
}

/**
 * What ingesting one landing object did, as the ingest handler reports it (and Powertools
 * Idempotency stores it). `recordsIn` = `recordsBronze` + `recordsQuarantined`, always.
 */
export const ingestResultSchema = z.object({
  /** Dataset name; null when no dataset's prefix matches the key. */
  dataset: z.nullable(z.string()),
  source: ingestSourceSchema,
  /**
   * `quarantined`: nothing reached bronze (the file whole, or every record); `duplicate`:
   * already in the ledger, or the object was overwritten since the event (see `reason`),
   * so nothing was written.
   */
  status: z.enum(["bronze", "quarantined", "duplicate"]),
  recordsIn: z.int().check(z.nonnegative()),
  recordsBronze: z.int().check(z.nonnegative()),
  recordsQuarantined: z.int().check(z.nonnegative()),
  /** Values taken as their JSON text (a number or boolean in a string field), per field path, when any were. */
  coerced: z.optional(z.record(z.string(), z.int().check(z.positive()))),
  bronzeKey: z.optional(z.string()),
  quarantineKeys: z.array(z.string()),
  bytesIn: z.number().check(z.nonnegative()),
  durationMs: z.number().check(z.nonnegative()),
  /** Why the file was quarantined whole. */
  reason: z.optional(z.string()),
  /** Where this call moved the landing object (`_done/<key>` or `_failed/<key>`, same bucket), when it did. */
  archiveKey: z.optional(z.string()),
  /** `<source key>#<etag>`, the ledger's `file_id`. */
  fileId: z.string(),
});

/** What ingesting one landing object did. */
export type IngestResult = z.infer<typeof ingestResultSchema>;
