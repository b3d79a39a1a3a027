/**
 * AWS's hard limits that the lake's design depends on, declared once: the code that must stay
 * under them (plan sizes, batches, chunks) reads them here, and so does the embedded stack,
 * which fails the same operation with the same error name where AWS would.
 */

/** Athena (engine v3). */
export const athena = {
  /** Partitions one UNLOAD / CTAS / INSERT INTO (or Iceberg write) may write: `HIVE_TOO_MANY_OPEN_PARTITIONS` past it. */
  maxPartitionsPerWrite: 100,
  /** Bytes of query text StartQueryExecution accepts (`InvalidRequestException` past it). */
  maxQueryBytes: 262_144,
  /** How long a DML query may run before Athena cancels it (the default of its adjustable quota), in seconds. */
  queryTimeoutSeconds: 30 * 60,
  /** Length of a StartQueryExecution `ClientRequestToken`. */
  clientRequestToken: { min: 32, max: 128 },
} as const;

/** Step Functions (standard workflows). */
export const stepFunctions = {
  /** Bytes of a state's input or output, a task's result, or an error's cause (`States.DataLimitExceeded`). */
  maxStateBytes: 262_144,
  /** Events in one execution's history: the execution fails past it. */
  maxHistoryEvents: 25_000,
} as const;

/** DynamoDB. */
export const dynamodb = {
  /** Bytes of an item: attribute names plus values. */
  maxItemBytes: 400 * 1024,
  /** Bytes of a partition key value. */
  maxPartitionKeyBytes: 2_048,
  /** Bytes of a sort key value. */
  maxSortKeyBytes: 1_024,
  /** Requests in one BatchWriteItem. */
  maxBatchWriteItems: 25,
  /** Keys in one BatchGetItem. */
  maxBatchGetKeys: 100,
} as const;

/** S3. */
export const s3 = {
  /** Bytes of an object key (UTF-8): `KeyTooLongError` past it. */
  maxKeyBytes: 1_024,
} as const;

/** The Glue Data Catalog's partition batch calls. */
export const glue = {
  /** Partitions one BatchGetPartition may ask for. */
  maxBatchGetPartitions: 1_000,
  /** Partitions one BatchCreatePartition may create. */
  maxBatchCreatePartitions: 100,
  /** Partitions one BatchUpdatePartition may update. */
  maxBatchUpdatePartitions: 100,
  /** Partitions one BatchDeletePartition may delete. */
  maxBatchDeletePartitions: 25,
} as const;

/**
 * UTF-8 size of a text, in bytes: what every AWS limit on text counts.
 * @param text the text
 * @example utf8Bytes("ação") // 6
 */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, "utf8");

/**
 * Size of a JSON value as Step Functions measures state data: the bytes of its JSON text.
 * @param value any JSON value
 */
export const jsonBytes = (value: unknown): number => utf8Bytes(JSON.stringify(value) ?? "null");

/**
 * Splits a list into consecutive chunks of at most `size` items.
 * @param items the list
 * @param size the largest chunk
 * @example chunksOf([1, 2, 3], 2) // [[1, 2], [3]]
 */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
