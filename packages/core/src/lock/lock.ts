import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DeleteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed, request } from "../dynamo/request";
import { LockHeldError } from "./errors";

/** A lock table and the clock leases are measured with. */
export interface LockTable {
  doc: DynamoDBDocumentClient;
  table: string;
  clock?: () => number;
}

/** A held lock. */
export interface Lock {
  name: string;
  owner: string;
  expires_at: number;
  /** Seconds since the epoch: DynamoDB's TTL removes an abandoned lock for good. */
  ttl: number;
}

/**
 * Takes a lock with a lease, by conditional write: it succeeds when the lock is free, its
 * lease has expired (a crashed holder), or `owner` holds it already (a retried step).
 * @param options table, lock name, owner and lease
 * @throws LockHeldError naming the holder and until when
 */
export async function acquireLock({
  doc,
  table,
  clock = Date.now,
  name,
  owner,
  leaseMs,
}: LockTable & { name: string; owner: string; leaseMs: number }): Promise<Lock> {
  const now = clock();
  const lock: Lock = { name, owner, expires_at: now + leaseMs, ttl: Math.ceil((now + leaseMs) / 1000) + 86_400 };
  try {
    await request("acquire lock", table, name, () =>
      doc.send(
        new PutCommand({
          TableName: table,
          Item: lock,
          ConditionExpression: "attribute_not_exists(#name) OR expires_at < :now OR #owner = :owner",
          ExpressionAttributeNames: { "#name": "name", "#owner": "owner" },
          ExpressionAttributeValues: { ":now": now, ":owner": owner },
        }),
      ),
    );
    return lock;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    const held = (await doc.send(new GetCommand({ TableName: table, Key: { name }, ConsistentRead: true }))).Item as
      | Lock
      | undefined;
    throw new LockHeldError(name, held?.owner ?? "another run", held?.expires_at ?? now);
  }
}

/**
 * Releases a lock if `owner` holds it; releasing a lock held by someone else, or not held,
 * changes nothing (so a failure path can always release).
 * @param options table, lock name and owner
 * @returns whether this call released it
 */
export async function releaseLock({
  doc,
  table,
  name,
  owner,
}: LockTable & { name: string; owner: string }): Promise<boolean> {
  try {
    await request("release lock", table, name, () =>
      doc.send(
        new DeleteCommand({
          TableName: table,
          Key: { name },
          ConditionExpression: "#owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ":owner": owner },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
