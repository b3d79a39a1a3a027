/**
 * The one declaration of the lake's buckets and tables. `infra/` deploys these with SST;
 * the embedded stack creates the same ones locally. Names are SST link names, so
 * handlers read them as `Resource.<Name>.name` in both worlds.
 */

/** A DynamoDB attribute type, as SST's `sst.aws.Dynamo` names them. */
export type AttributeType = "string" | "number" | "binary";

/** A key schema: partition key and optional sort key. */
export interface KeySchema {
  hashKey: string;
  rangeKey?: string;
}

/** A table: its key attributes, primary key, global indexes and TTL attribute. */
export interface TableDeclaration {
  fields: Record<string, AttributeType>;
  primaryIndex: KeySchema;
  globalIndexes?: Record<string, KeySchema>;
  ttl?: string;
}

/** A bucket, and why it exists. */
export interface BucketDeclaration {
  purpose: string;
}

/** Buckets of the lake, by link name. */
export const buckets = {
  Landing: { purpose: "raw JSON drops; ObjectCreated triggers ingestion" },
  Bronze: { purpose: "validated records as Parquet, one object per landing file" },
  Quarantine: { purpose: "rejected records and unparseable files, with reasons" },
  Silver: { purpose: "cleansed, deduplicated Parquet; one versioned prefix per partition rewrite" },
  AthenaResults: { purpose: "Athena query results and UNLOAD manifests (workgroup output)" },
  Gold: { purpose: "gold Iceberg tables (data and metadata), one prefix per table, written by Athena MERGE" },
} as const satisfies Record<string, BucketDeclaration>;

/** A queue, and why it exists. */
export interface QueueDeclaration {
  purpose: string;
}

/** Queues of the lake, by name. */
export const queues = {
  IngestFailures: {
    purpose: "ingest events S3 → Lambda gave up on after its retries (the function's on-failure destination)",
  },
} as const satisfies Record<string, QueueDeclaration>;

/** Tables, by link name. */
export const tables = {
  /** One item per ingested landing file (`file_id` = `<landing key>#<etag>`): the pipeline's bookmark. */
  Ledger: {
    fields: { dataset: "string", file_id: "string", pending_dataset: "string", ingested_at: "string" },
    primaryIndex: { hashKey: "dataset", rangeKey: "file_id" },
    // Sparse index: only files not yet consolidated carry `pending_dataset`, so listing
    // what is new costs the new files, not the dataset's history.
    globalIndexes: { pending: { hashKey: "pending_dataset", rangeKey: "ingested_at" } },
  },
  /** Powertools Idempotency records (one per handled event). */
  Idempotency: {
    fields: { id: "string" },
    primaryIndex: { hashKey: "id" },
    ttl: "expiration",
  },
  /** One item per pipeline run (`journey_id` = hash of its idempotency key): status, steps, lease. */
  JourneyControl: {
    fields: { journey_id: "string" },
    primaryIndex: { hashKey: "journey_id" },
    ttl: "expires_at",
  },
  /** One item per gold table (`id` = `{database}_{table}`): latest aggregate, content hash, version. */
  Congregado: {
    fields: { id: "string" },
    primaryIndex: { hashKey: "id" },
  },
  /** Leased locks, e.g. one per dataset while its silver and gold are being rewritten. */
  Lock: {
    fields: { name: "string" },
    primaryIndex: { hashKey: "name" },
    ttl: "ttl",
  },
  /** One item per applied schema version of a dataset (`version` 1, 2…): what its tables hold, and what changed. */
  SchemaVersions: {
    fields: { dataset: "string", version: "number" },
    primaryIndex: { hashKey: "dataset", rangeKey: "version" },
  },
  /** One item per HTTP API source (`source` = its name): everything before `watermark` is in landing. */
  Watermark: {
    fields: { source: "string" },
    primaryIndex: { hashKey: "source" },
  },
} as const satisfies Record<string, TableDeclaration>;

export type BucketName = keyof typeof buckets;
export type TableName = keyof typeof tables;
export type QueueName = keyof typeof queues;
