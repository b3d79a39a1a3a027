import type { IncomingMessage, ServerResponse } from "node:http";
import { PassThrough } from "node:stream";
import { dynamodb, utf8Bytes } from "@medallion/core/limits";

/** The key attributes of a table (its own and its indexes'), by physical table name. */
export type KeyAttributes = Record<string, { hash: string[]; range: string[] }>;

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

// An attribute value's size as DynamoDB counts it: UTF-8 strings, decoded binary, numbers by
// their digits (an upper bound), and 3 bytes of overhead per list or map plus 1 per element.
function valueSize(value: AttributeValue): number {
  const [type, content] = Object.entries(value)[0] ?? ["NULL", true];
  switch (type) {
    case "S":
      return utf8Bytes(content as string);
    case "N":
      return Math.ceil((content as string).replace(/^-|\.|e.*$/gi, "").length / 2) + 1;
    case "B":
      return Buffer.byteLength(content as string, "base64");
    case "BOOL":
    case "NULL":
      return 1;
    case "SS":
      return (content as string[]).reduce((n, s) => n + utf8Bytes(s), 0);
    case "NS":
      return (content as string[]).reduce((n, s) => n + s.length, 0);
    case "BS":
      return (content as string[]).reduce((n, s) => n + Buffer.byteLength(s, "base64"), 0);
    case "L":
      return 3 + (content as AttributeValue[]).reduce((n, v) => n + 1 + valueSize(v), 0);
    case "M":
      return 3 + Object.entries(content as Item).reduce((n, [k, v]) => n + 1 + utf8Bytes(k) + valueSize(v), 0);
    default:
      return 0;
  }
}

const itemSize = (item: Item): number =>
  Object.entries(item).reduce((n, [name, value]) => n + utf8Bytes(name) + valueSize(value), 0);

const invalid = (message: string) => ({ message: `One or more parameter values were invalid: ${message}` });

/**
 * What DynamoDB would refuse in a request that dynalite lets through: dynalite measures strings
 * in UTF-16 code units, DynamoDB in UTF-8 bytes, so keys and items of non-ASCII text pass
 * locally and fail on AWS. Checks key sizes (2,048 bytes of partition key, 1,024 of sort key)
 * and the size of items written whole (400 KB).
 * @param target the operation (`x-amz-target`'s action)
 * @param request the request's JSON
 * @param keys key attributes by table
 * @returns AWS's message, or undefined when the request is within the limits
 */
export function dynamoLimitViolation(target: string, request: Record<string, unknown>, keys: KeyAttributes) {
  const checkKeys = (table: string, item: Item | undefined): { message: string } | undefined => {
    if (!item) return undefined;
    const { hash = [], range = [] } = keys[table] ?? {};
    for (const name of hash) {
      const value = item[name]?.S;
      if (typeof value === "string" && utf8Bytes(value) > dynamodb.maxPartitionKeyBytes)
        return invalid(`Size of hashkey has exceeded the maximum size limit of ${dynamodb.maxPartitionKeyBytes} bytes`);
    }
    for (const name of range) {
      const value = item[name]?.S;
      if (typeof value === "string" && utf8Bytes(value) > dynamodb.maxSortKeyBytes)
        return invalid(
          `Aggregated size of all range keys has exceeded the size limit of ${dynamodb.maxSortKeyBytes} bytes`,
        );
    }
    return undefined;
  };
  const checkItem = (table: string, item: Item | undefined) =>
    checkKeys(table, item) ??
    (item && itemSize(item) > dynamodb.maxItemBytes
      ? { message: "Item size has exceeded the maximum allowed size" }
      : undefined);
  const table = request.TableName as string;
  switch (target) {
    case "PutItem":
      return checkItem(table, request.Item as Item);
    case "GetItem":
    case "DeleteItem":
    case "UpdateItem":
      return checkKeys(table, request.Key as Item);
    case "BatchWriteItem":
      for (const [name, writes] of Object.entries(request.RequestItems as Record<string, Record<string, Item>[]>)) {
        for (const write of writes) {
          const violation =
            checkItem(name, (write.PutRequest as { Item?: Item } | undefined)?.Item) ??
            checkKeys(name, (write.DeleteRequest as { Key?: Item } | undefined)?.Key);
          if (violation) return violation;
        }
      }
      return undefined;
    case "BatchGetItem":
      for (const [name, { Keys }] of Object.entries(request.RequestItems as Record<string, { Keys: Item[] }>)) {
        for (const key of Keys) {
          const violation = checkKeys(name, key);
          if (violation) return violation;
        }
      }
      return undefined;
    case "TransactWriteItems":
      for (const action of request.TransactItems as Record<string, { TableName: string; Item?: Item; Key?: Item }>[]) {
        for (const [kind, detail] of Object.entries(action)) {
          const violation =
            kind === "Put" ? checkItem(detail.TableName, detail.Item) : checkKeys(detail.TableName, detail.Key);
          if (violation) return violation;
        }
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Puts a check in front of dynalite's request handler: a request over DynamoDB's limits is
 * refused with DynamoDB's ValidationException; any other goes on to dynalite unchanged.
 * @param handler dynalite's request listener
 * @param keys key attributes by table
 */
export function withDynamoLimits(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  keys: KeyAttributes,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
      let violation: { message: string } | undefined;
      try {
        violation = dynamoLimitViolation(target, JSON.parse(body.toString("utf8") || "{}"), keys);
      } catch {
        violation = undefined; // dynalite answers a malformed request itself.
      }
      if (violation) {
        res.writeHead(400, { "Content-Type": "application/x-amz-json-1.0" });
        res.end(JSON.stringify({ __type: "com.amazon.coral.validate#ValidationException", ...violation }));
        return;
      }
      const replay = Object.assign(new PassThrough(), {
        headers: req.headers,
        method: req.method,
        url: req.url,
        socket: req.socket,
      });
      handler(replay as unknown as IncomingMessage, res);
      replay.end(body);
    });
  };
}
