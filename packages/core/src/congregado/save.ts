import { createHash } from "node:crypto";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { canonicalJson } from "../dynamo/canonical";
import { DYNAMO_MAX_ITEM_BYTES, itemSize, toStorable } from "../dynamo/item-size";
import { allPages, isConditionalCheckFailed, request } from "../dynamo/request";
import { CongregadoConflictError, CongregadoTooLargeError, CongregadoValidationError } from "./errors";
import { fitSample } from "./sample";

/** What an aggregate is and where it came from. */
export interface CongregadoMetadata {
  processor_type?: string;
  database?: string;
  table?: string;
  origins?: string[];
  [key: string]: unknown;
}

/** One item of the congregado table: the latest aggregate of one `{database}_{table}`. */
export interface Congregado {
  id: string;
  /** SHA-256 (hex) of the canonical JSON of the content. */
  idempotency_key: string;
  version: number;
  record_count: number;
  metadata: CongregadoMetadata;
  /** The first records (at most `sampleLimit`), cut to keep the item under 400 KB. */
  sample_data: unknown[];
  sample_size: number;
  /** True when the size budget cut the sample short. */
  sample_truncated: boolean;
  created_at: string;
  updated_at: string;
}

/** The DynamoDB document client and the congregado table's name. */
export interface CongregadoTable {
  doc: DynamoDBDocumentClient;
  table: string;
  clock?: () => number;
}

/** Options of {@link saveCongregado}. */
export interface SaveCongregadoOptions extends CongregadoTable {
  /** `{database}_{table}`; see {@link congregadoId}. */
  id: string;
  /** The aggregate's records, or a sample of them when `recordCount` is given. */
  data: readonly unknown[];
  /**
   * How many records the aggregate holds when `data` is only a sample of them (a gold table,
   * counted and sampled in SQL): the content hash then covers the count and the sample.
   */
  recordCount?: number;
  metadata?: CongregadoMetadata;
  /** Most records kept in `sample_data` (default 1,000). */
  sampleLimit?: number;
  /** Item-size budget in bytes (default 400,000, under DynamoDB's 409,600). */
  maxItemBytes?: number;
  /** On a lost race: "retry" re-reads and writes on the fresh version (default); "report" throws. */
  onConflict?: "retry" | "report";
  /** Read-and-write rounds before a lost race is reported (default 5). */
  maxAttempts?: number;
}

/** What {@link saveCongregado} did. */
export interface SaveCongregadoResult {
  id: string;
  /** `unchanged`: identical content was already stored, nothing was written. */
  status: "created" | "updated" | "unchanged";
  version: number;
  idempotency_key: string;
  sample_size: number;
  sample_truncated: boolean;
}

/**
 * The congregado id of a gold table.
 * @example congregadoId("gold", "daily_fuel") // "gold_daily_fuel"
 */
export function congregadoId(database: string, table: string): string {
  return `${database}_${table}`;
}

/**
 * The content hash of an aggregate: SHA-256 of its canonical JSON, so key order never changes it.
 * @param data the records
 */
export function contentHash(data: readonly unknown[]): string {
  return createHash("sha256").update(canonicalJson(data)).digest("hex");
}

/**
 * Saves an aggregate idempotently. Same content as stored → no write (`unchanged`). New
 * content → `version + 1`, written only if the stored version is still the one read; a
 * lost race is retried on fresh state (or reported with {@link CongregadoConflictError}),
 * never silently overwritten. The sample is trimmed to keep the item under the size budget.
 * @example await saveCongregado({ doc, table, id: congregadoId("gold", "fuel"), data: rows, metadata: { processor_type: "gold" } });
 */
export async function saveCongregado(options: SaveCongregadoOptions): Promise<SaveCongregadoResult> {
  return saveWithKnownState(options, undefined);
}

/**
 * Reads a congregado.
 * @returns the item, or undefined when none is stored under `id`
 */
export async function getCongregado({
  doc,
  table,
  id,
}: CongregadoTable & { id: string }): Promise<Congregado | undefined> {
  return readCongregado(doc, table, id);
}

/**
 * Lists congregados without their samples (a scan, for operators and the CLI), by id.
 */
export async function listCongregados({ doc, table }: CongregadoTable): Promise<Omit<Congregado, "sample_data">[]> {
  const items = await allPages<Omit<Congregado, "sample_data">>((ExclusiveStartKey) =>
    request("scan congregados of", table, "*", () =>
      doc.send(
        new ScanCommand({
          TableName: table,
          ExclusiveStartKey,
          ProjectionExpression:
            "id, idempotency_key, version, record_count, metadata, sample_size, sample_truncated, created_at, updated_at",
        }),
      ),
    ),
  );
  return items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * {@link saveCongregado} starting from already-read state (`null` = known absent,
 * `undefined` = unknown), so a batch can read many items in one request.
 * @internal
 */
export async function saveWithKnownState(
  {
    doc,
    table,
    clock = Date.now,
    id,
    data,
    recordCount,
    metadata = {},
    sampleLimit = 1_000,
    maxItemBytes = 400_000,
    onConflict = "retry",
    maxAttempts = 5,
  }: SaveCongregadoOptions,
  known: Congregado | null | undefined,
): Promise<SaveCongregadoResult> {
  if (!id) throw new CongregadoValidationError(id, "id must be a non-empty string ({database}_{table})");
  if (!Array.isArray(data)) throw new CongregadoValidationError(id, "data must be an array of records");
  if (maxItemBytes > DYNAMO_MAX_ITEM_BYTES)
    throw new CongregadoValidationError(id, `maxItemBytes ${maxItemBytes} exceeds DynamoDB's ${DYNAMO_MAX_ITEM_BYTES}`);
  if (recordCount !== undefined && !(Number.isInteger(recordCount) && recordCount >= 0))
    throw new CongregadoValidationError(id, `recordCount must be a non-negative integer, got ${recordCount}`);
  const hash = contentHash(recordCount === undefined ? data : [{ record_count: recordCount }, ...data]);
  const storedMetadata = toStorable(metadata) as CongregadoMetadata;

  let current = known === undefined ? await readCongregado(doc, table, id) : (known ?? undefined);
  for (let attempt = 1; ; attempt++) {
    if (current?.idempotency_key === hash) return resultOf(current, "unchanged");
    const at = new Date(clock()).toISOString();
    const base = {
      id,
      idempotency_key: hash,
      version: (current?.version ?? 0) + 1,
      record_count: recordCount ?? data.length,
      metadata: storedMetadata,
      sample_size: 0,
      sample_truncated: false,
      created_at: current?.created_at ?? at,
      updated_at: at,
    };
    // The sample's count is only known after fitting, so reserve the widest count's bytes.
    const baseBytes = itemSize({ ...base, sample_size: Number.MAX_SAFE_INTEGER, sample_data: [] });
    if (baseBytes > maxItemBytes) throw new CongregadoTooLargeError(id, baseBytes, maxItemBytes);
    const sample = fitSample({ records: data, limit: sampleLimit, budgetBytes: maxItemBytes - baseBytes + 3 });
    const item: Congregado = {
      ...base,
      sample_data: sample.records,
      sample_size: sample.records.length,
      sample_truncated: sample.truncated,
    };
    try {
      await request("write congregado", table, id, () =>
        doc.send(
          new PutCommand({
            TableName: table,
            Item: item,
            ConditionExpression: current ? "version = :version" : "attribute_not_exists(id)",
            ExpressionAttributeValues: current ? { ":version": current.version } : undefined,
          }),
        ),
      );
      return resultOf(item, current ? "updated" : "created");
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const readVersion = current?.version ?? 0;
      current = await readCongregado(doc, table, id);
      // The winner wrote what we meant to write: that is success, not a conflict.
      if (current?.idempotency_key === hash) return resultOf(current, "unchanged");
      if (onConflict === "report" || attempt >= maxAttempts)
        throw new CongregadoConflictError(id, readVersion, attempt);
    }
  }
}

async function readCongregado(doc: DynamoDBDocumentClient, table: string, id: string): Promise<Congregado | undefined> {
  const result = await request("read congregado", table, id, () =>
    doc.send(new GetCommand({ TableName: table, Key: { id }, ConsistentRead: true })),
  );
  return result.Item as Congregado | undefined;
}

function resultOf(item: Congregado, status: SaveCongregadoResult["status"]): SaveCongregadoResult {
  return {
    id: item.id,
    status,
    version: item.version,
    idempotency_key: item.idempotency_key,
    sample_size: item.sample_size,
    sample_truncated: item.sample_truncated,
  };
}
