import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { DatasetSpec } from "../dataset/spec";

/** The landing object to ingest, as an S3 event names it. */
export interface IngestSource {
  bucket: string;
  key: string;
  etag: string;
  versionId?: string;
}

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

/** What ingesting one landing object did. `recordsIn` = `recordsBronze` + `recordsQuarantined`, always. */
export interface IngestResult {
  /** Dataset name; null when no dataset's prefix matches the key. */
  dataset: string | null;
  source: IngestSource;
  /**
   * `quarantined`: nothing reached bronze (the file whole, or every record); `duplicate`:
   * already in the ledger, or the object was overwritten since the event (see `reason`),
   * so nothing was written.
   */
  status: "bronze" | "quarantined" | "duplicate";
  recordsIn: number;
  recordsBronze: number;
  recordsQuarantined: number;
  bronzeKey?: string;
  quarantineKeys: string[];
  bytesIn: number;
  durationMs: number;
  /** Why the file was quarantined whole. */
  reason?: string;
  /** Where this call moved the landing object (`_done/<key>` or `_failed/<key>`, same bucket), when it did. */
  archiveKey?: string;
  /** `<source key>#<etag>`, the ledger's `file_id`. */
  fileId: string;
}
