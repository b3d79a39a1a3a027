import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed, request } from "../dynamo/request";
import { LockHeldError, LockLostError } from "./errors";
import type { LeaseHolder } from "./owner";
import { isHolderAlive, isHolderGone, thisProcess } from "./owner";

/**
 * The name of a dataset's consolidation lock: one run at a time rewrites its silver and gold.
 * @param dataset the dataset's name
 */
export const datasetLockName = (dataset: string): string => `consolidation#${dataset}`;

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
  /** The process holding it (see {@link LeaseHolder}): a gone holder's lock is taken over at once. */
  host?: string;
  pid?: number;
}

/**
 * Takes a lock with a lease, by conditional write: it succeeds when the lock is free, its
 * lease has expired (a crashed holder), `owner` holds it already (a retried step), or its
 * holder's process is known to be gone (it ran on this host and its pid no longer exists).
 * @param options table, lock name, owner and lease; `holder` is this process by default
 * @throws LockHeldError naming the holder and until when
 */
export async function acquireLock({
  doc,
  table,
  clock = Date.now,
  name,
  owner,
  leaseMs,
  holder = thisProcess(),
}: LockTable & { name: string; owner: string; leaseMs: number; holder?: LeaseHolder }): Promise<Lock> {
  const now = clock();
  const lock: Lock = {
    name,
    owner,
    expires_at: now + leaseMs,
    ttl: Math.ceil((now + leaseMs) / 1000) + 86_400,
    host: holder.host,
    pid: holder.pid,
  };
  const put = (condition: string, names: Record<string, string>, values: Record<string, unknown>) =>
    request("acquire lock", table, name, () =>
      doc.send(
        new PutCommand({
          TableName: table,
          Item: lock,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  try {
    await put(
      "attribute_not_exists(#name) OR expires_at < :now OR #owner = :owner",
      { "#name": "name", "#owner": "owner" },
      { ":now": now, ":owner": owner },
    );
    return lock;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
  const held = await readLock({ doc, table, name });
  if (held && isHolderGone(held)) {
    // Its process is gone (kill -9, a crash): take it over now, unless someone else just did.
    try {
      await put(
        "#owner = :held AND expires_at = :expires",
        { "#owner": "owner" },
        { ":held": held.owner, ":expires": held.expires_at },
      );
      return lock;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
  const current = (await readLock({ doc, table, name })) ?? held;
  throw new LockHeldError(name, current?.owner ?? "another run", current?.expires_at ?? now);
}

/**
 * Extends the lease of a lock `owner` holds: the heartbeat of a long run.
 * @param options table, lock name, owner and the new lease
 * @returns the new expiry (epoch ms)
 * @throws LockLostError when `owner` no longer holds it (its lease ran out and another run took it)
 */
export async function renewLock({
  doc,
  table,
  clock = Date.now,
  name,
  owner,
  leaseMs,
}: LockTable & { name: string; owner: string; leaseMs: number }): Promise<number> {
  const expiresAt = clock() + leaseMs;
  try {
    await request("renew lock", table, name, () =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { name },
          UpdateExpression: "SET expires_at = :expires, #ttl = :ttl",
          ConditionExpression: "#owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner", "#ttl": "ttl" },
          ExpressionAttributeValues: {
            ":owner": owner,
            ":expires": expiresAt,
            ":ttl": Math.ceil(expiresAt / 1000) + 86_400,
          },
        }),
      ),
    );
    return expiresAt;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    throw new LockLostError(name, owner);
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

/**
 * Reads a lock, held or expired; undefined when nobody holds it.
 * @param options table and lock name
 */
export async function readLock({ doc, table, name }: LockTable & { name: string }): Promise<Lock | undefined> {
  const result = await request("read lock", table, name, () =>
    doc.send(new GetCommand({ TableName: table, Key: { name }, ConsistentRead: true })),
  );
  return result.Item as Lock | undefined;
}

/**
 * Breaks a lock whoever holds it: the last resort of an operator (`medallion unlock`). Refused
 * while its holder is known to be alive (this process, or a live pid on this host).
 * @param options table and lock name
 * @returns the lock that was broken, or undefined when it was not held
 * @throws LockHeldError when its holder is alive
 */
export async function breakLock({ doc, table, name }: LockTable & { name: string }): Promise<Lock | undefined> {
  const held = await readLock({ doc, table, name });
  if (!held) return undefined;
  if (isHolderAlive(held))
    throw new LockHeldError(name, `${held.owner} (process ${held.pid}, still running)`, held.expires_at);
  await releaseLock({ doc, table, name, owner: held.owner });
  return held;
}
