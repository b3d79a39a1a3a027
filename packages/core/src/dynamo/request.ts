import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { StoreRequestError } from "./errors";

/** True when a DynamoDB write lost its `ConditionExpression`. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === "ConditionalCheckFailedException")
  );
}

/**
 * Sends one conditional write: true when it applied, false when its `ConditionExpression` did
 * not hold (a repeat, or another writer first); any other failure is thrown.
 * @param send the write
 */
export async function conditionalWrite(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/**
 * Runs one DynamoDB request, turning any failure other than a lost condition into a
 * {@link StoreRequestError} that names the table, the key and what was being done.
 * @param what e.g. "update journey", used in the message
 */
export async function request<T>(what: string, table: string, key: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw error;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new StoreRequestError(`cannot ${what} ${key} in table ${table}: ${reason}`, table, key, { cause: error });
  }
}

/**
 * Every item of a paginated Query or Scan: calls `page` with each `LastEvaluatedKey` until
 * there is none.
 * @param page one request, from the start key it is given
 */
export async function allPages<T>(
  page: (
    start: Record<string, unknown> | undefined,
  ) => Promise<{ Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> }>,
): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const result = await page(start);
    items.push(...((result.Items ?? []) as T[]));
    start = result.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * Runs `fn` on every item with at most `limit` calls in flight: fast for hundreds of
 * writes, gentle on the table.
 * @param items the items, in order (`fn` receives each one's index)
 */
export async function eachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
