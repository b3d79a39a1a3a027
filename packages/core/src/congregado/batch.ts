import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import { eachLimit, request } from "../dynamo/request";
import { dynamodb } from "../limits/index";
import type {
  Congregado,
  CongregadoMetadata,
  CongregadoTable,
  SaveCongregadoOptions,
  SaveCongregadoResult,
} from "./save";
import { saveWithKnownState } from "./save";

/** One aggregate to save in a batch. */
export interface CongregadoInput {
  id: string;
  data: readonly unknown[];
  metadata?: CongregadoMetadata;
}

/** Per-item outcome of {@link batchSaveCongregados}. */
export type BatchSaveResult =
  | ({ ok: true; attempts: number } & SaveCongregadoResult)
  | { ok: false; id: string; attempts: number; error: { name: string; message: string }; retryable: boolean };

/** Options of {@link batchSaveCongregados}. */
export interface BatchSaveOptions
  extends CongregadoTable,
    Pick<SaveCongregadoOptions, "sampleLimit" | "maxItemBytes" | "onConflict"> {
  items: readonly CongregadoInput[];
  /** Items saved at once (default 8). */
  concurrency?: number;
  /** Retries of an item whose failure is retryable (throttling, 5xx, lost races); default 3. */
  maxRetries?: number;
  /** Delay before an item's first retry, doubled each time (default 50 ms). */
  baseDelayMs?: number;
}

// BatchGetItem takes at most 100 keys per request.
const BATCH_GET_LIMIT = dynamodb.maxBatchGetKeys;

const RETRYABLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "CongregadoConflictError",
]);

/**
 * Saves any number of aggregates, each with {@link saveCongregado}'s guarantees (content
 * hash, version guard). Current items are read in batches of 100; writes stay one
 * conditional put per item, because BatchWriteItem cannot carry conditions. One item's
 * failure never stops the others: each gets its own result, in input order; retryable
 * failures are retried with backoff first.
 * @example const results = await batchSaveCongregados({ doc, table, items }); results.filter((r) => !r.ok)
 */
export async function batchSaveCongregados({
  doc,
  table,
  clock,
  items,
  concurrency = 8,
  maxRetries = 3,
  baseDelayMs = 50,
  ...saveOptions
}: BatchSaveOptions): Promise<BatchSaveResult[]> {
  const known = await readMany(
    doc,
    table,
    items.map((item) => item.id).filter((id) => id !== ""),
  );
  const results: BatchSaveResult[] = new Array(items.length);
  await eachLimit(items, concurrency, async (item, index) => {
    results[index] = await saveOne(
      { doc, table, clock, ...saveOptions, ...item },
      known.get(item.id) ?? null,
      maxRetries,
      baseDelayMs,
    );
  });
  return results;
}

async function saveOne(
  options: SaveCongregadoOptions,
  known: Congregado | null,
  maxRetries: number,
  baseDelayMs: number,
): Promise<BatchSaveResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      // Only the first try may trust the batch read; retries read fresh state.
      const result = await saveWithKnownState(options, attempt === 0 ? known : undefined);
      return { ok: true, attempts: attempt + 1, ...result };
    } catch (error) {
      // A caller who asked for conflicts to be reported gets them reported, not retried away.
      const retryable =
        isRetryable(error) &&
        !(options.onConflict === "report" && error instanceof Error && error.name === "CongregadoConflictError");
      if (!retryable || attempt >= maxRetries) {
        const { name, message } = error instanceof Error ? error : { name: "Error", message: String(error) };
        return { ok: false, id: options.id, attempts: attempt + 1, error: { name, message }, retryable };
      }
      await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** attempt));
    }
  }
}

/**
 * True when an error (or any error in its `cause` chain) is worth retrying: throttling,
 * DynamoDB 5xx, SDK-flagged retryable errors and lost version races.
 * @param error what a save threw
 */
export function isRetryable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (RETRYABLE.has(current.name)) return true;
    const meta = current as { $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
    if (meta.$retryable) return true;
    if ((meta.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  }
  return false;
}

async function readMany(doc: DynamoDBDocumentClient, table: string, ids: string[]): Promise<Map<string, Congregado>> {
  const found = new Map<string, Congregado>();
  const unique = [...new Set(ids)];
  for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
    let keys: Record<string, unknown>[] = unique.slice(start, start + BATCH_GET_LIMIT).map((id) => ({ id }));
    for (let round = 0; keys.length > 0; round++) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** Math.min(round, 6)));
      const page = await request("batch-read congregados of", table, `${keys.length} ids`, () =>
        doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } })),
      );
      for (const item of (page.Responses?.[table] ?? []) as Congregado[]) found.set(item.id, item);
      keys = page.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return found;
}
