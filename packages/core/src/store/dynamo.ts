import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { StoreRequestError } from "./errors";

/** True when a DynamoDB write lost its `ConditionExpression`. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === "ConditionalCheckFailedException");
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
