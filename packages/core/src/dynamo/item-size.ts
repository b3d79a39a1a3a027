/**
 * DynamoDB's item-size arithmetic on the JS values the document client marshalls, so a
 * writer can keep an item under the 400 KB limit before sending it. Errs on the large
 * side: strings count UTF-8 bytes, numbers their worst-case encoding.
 */
import { NumberValue } from "@aws-sdk/lib-dynamodb";
import { dynamodb } from "../limits/index";
import { storableNumber } from "./numbers";

/** DynamoDB's hard item limit: 400 KB, attribute names included (`@medallion/core/limits`). */
export const DYNAMO_MAX_ITEM_BYTES = dynamodb.maxItemBytes;

const utf8 = new TextEncoder();

/**
 * Size in bytes DynamoDB charges for an item: attribute names plus values.
 * @param item a plain item as given to the document client (see {@link toStorable})
 */
export function itemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += byteLength(name) + valueSize(value);
  }
  return size;
}

/**
 * Size in bytes of one attribute value (as a member of a list, add 1 more byte).
 * @param value a storable value
 */
export function valueSize(value: unknown): number {
  if (value === null || typeof value === "boolean") return 1;
  if (typeof value === "string") return byteLength(value);
  if (typeof value === "number" || typeof value === "bigint") return numberSize(value);
  if (value instanceof NumberValue) return 21;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) {
    let size = 3;
    for (const item of value) size += 1 + valueSize(item);
    return size;
  }
  if (typeof value === "object") {
    let size = 3;
    for (const [name, member] of Object.entries(value)) {
      if (member === undefined) continue;
      size += 1 + byteLength(name) + valueSize(member);
    }
    return size;
  }
  return 0;
}

/**
 * A copy of a JSON-like value that the document client can write and read back
 * unchanged in meaning: numbers beyond 2^53 (numbers and bigints) DynamoDB numbers of their
 * digits (see `storableNumber`), non-finite numbers null, dates ISO strings, undefined members
 * dropped, sets and maps plain arrays and objects.
 * @param value a record or value read from JSON or Parquet
 */
export function toStorable(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? storableNumber(value) : null;
    case "bigint":
      return storableNumber(value);
    case "function":
    case "symbol":
      return null;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array || value instanceof NumberValue) return value;
  if (Array.isArray(value) || value instanceof Set) return [...value].map(toStorable);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
  const out: Record<string, unknown> = {};
  for (const [key, member] of entries) {
    if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
    out[String(key)] = toStorable(member);
  }
  return out;
}

function byteLength(text: string): number {
  // Pure ASCII (the common case) needs no encoding pass.
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text.length : utf8.encode(text).byteLength;
}

// DynamoDB stores numbers as base-100 digit pairs plus a byte of exponent (and a sign
// byte when negative); at most 38 significant digits, so 21 bytes at most (what a NumberValue counts).
function numberSize(value: number | bigint): number {
  const text = typeof value === "bigint" ? value.toString() : Math.abs(value).toExponential();
  const digits =
    (typeof value === "bigint" ? text.replace("-", "") : text.split("e")[0]!.replace(".", "")).replace(/^0+|0+$/g, "")
      .length || 1;
  const negative = typeof value === "bigint" ? value < 0n : value < 0;
  return Math.min(21, 2 + Math.ceil(digits / 2) + (negative ? 1 : 0));
}
