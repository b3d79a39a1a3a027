import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import type { DatasetSpec } from "../dataset/spec";

/** The landing object to ingest, as an S3 event names it. */
export const ingestSourceSchema = z.object({
  bucket: z.string(),
  key: z.string(),
  etag: z.string(),
  versionId: z.string().optional(),
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
  dataset: z.string().nullable(),
  source: ingestSourceSchema,
  /**
   * `quarantined`: nothing reached bronze (the file whole, or every record); `duplicate`:
   * already in the ledger, or the object was overwritten since the event (see `reason`),
   * so nothing was written.
   */
  status: z.enum(["bronze", "quarantined", "duplicate"]),
  recordsIn: z.number().int().nonnegative(),
  recordsBronze: z.number().int().nonnegative(),
  recordsQuarantined: z.number().int().nonnegative(),
  /** Values taken as their JSON text (a number or boolean in a string field), per field path, when any were. */
  coerced: z.record(z.string(), z.number().int().positive()).optional(),
  bronzeKey: z.string().optional(),
  quarantineKeys: z.array(z.string()),
  bytesIn: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
  /** Why the file was quarantined whole. */
  reason: z.string().optional(),
  /** Where this call moved the landing object (`_done/<key>` or `_failed/<key>`, same bucket), when it did. */
  archiveKey: z.string().optional(),
  /** `<source key>#<etag>`, the ledger's `file_id`. */
  fileId: z.string(),
});

/** What ingesting one landing object did. */
export type IngestResult = z.infer<typeof ingestResultSchema>;
