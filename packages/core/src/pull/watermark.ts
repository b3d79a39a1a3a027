import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed, request } from "../dynamo/request";
import { WatermarkConflictError } from "../sources/errors";

/** A source's watermark item (table `Watermark`, hash key `source`). */
export interface WatermarkItem {
  source: string;
  /** Everything before this instant (ISO-8601) has been written to landing. */
  watermark: string;
  /** When it was last advanced. */
  updated_at: string;
  /** Pages written by the run that advanced it. */
  pages: number;
}

/**
 * Reads a source's watermark (strongly consistent); undefined when it was never pulled.
 * @param options.doc DynamoDB document client
 * @param options.table the Watermark table's name
 * @param options.source the source name
 */
export async function readWatermark({
  doc,
  table,
  source,
}: {
  doc: DynamoDBDocumentClient;
  table: string;
  source: string;
}): Promise<WatermarkItem | undefined> {
  const { Item } = await request("read watermark", table, source, () =>
    doc.send(new GetCommand({ TableName: table, Key: { source }, ConsistentRead: true })),
  );
  return Item as WatermarkItem | undefined;
}

/**
 * Moves a source's watermark from `expected` to `to`, only if it still is `expected`
 * (undefined: only if the source has no watermark yet). A run that lost the race gets
 * {@link WatermarkConflictError} instead of overwriting the other run's progress.
 * @param options.expected the watermark this run read
 * @param options.to the new watermark (ISO-8601)
 * @param options.pages pages written since `expected`
 * @param options.now when it is advanced
 */
export async function advanceWatermark({
  doc,
  table,
  source,
  expected,
  to,
  pages,
  now = new Date(),
}: {
  doc: DynamoDBDocumentClient;
  table: string;
  source: string;
  expected: string | undefined;
  to: string;
  pages: number;
  now?: Date;
}): Promise<WatermarkItem> {
  const item: WatermarkItem = { source, watermark: to, updated_at: now.toISOString(), pages };
  try {
    await request("advance watermark", table, source, () =>
      doc.send(
        new PutCommand({
          TableName: table,
          Item: item,
          ...(expected === undefined
            ? {
                ConditionExpression: "attribute_not_exists(#source)",
                ExpressionAttributeNames: { "#source": "source" },
              }
            : {
                ConditionExpression: "#watermark = :expected",
                ExpressionAttributeNames: { "#watermark": "watermark" },
                ExpressionAttributeValues: { ":expected": expected },
              }),
        }),
      ),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw new WatermarkConflictError(source, expected ?? "(none)");
    throw error;
  }
  return item;
}
