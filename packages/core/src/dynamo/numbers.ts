import type { TranslateConfig } from "@aws-sdk/lib-dynamodb";
import { NumberValue } from "@aws-sdk/lib-dynamodb";

/**
 * Numbers as DynamoDB holds them (38 significant digits, magnitudes up to 9.99…E+125) and as
 * JavaScript does (exact integers up to 2^53 − 1). The document client refuses to write a
 * number beyond 2^53 (it could be imprecise) and cannot read one back into a JS number, so a
 * value such as a mileage of 9223372036854775808 or 1.23e29 used to fail every write of a
 * congregado holding it. Written here as DynamoDB numbers with their digits; read back as
 * numbers, or bigints where they are integers a number cannot hold.
 */

// DynamoDB's largest magnitude: 9.9999999999999999999999999999999999999E+125.
const DYNAMO_MAX_MAGNITUDE = 1e126;
const DYNAMO_MAX_DIGITS = 38;

/**
 * A number or bigint as the document client can write it: itself when JS holds it exactly,
 * otherwise a DynamoDB number of its digits, or its decimal text when DynamoDB cannot hold it.
 * @param value a finite number or a bigint
 */
export function storableNumber(value: number | bigint): number | NumberValue | string {
  if (typeof value === "number") {
    if (Math.abs(value) <= Number.MAX_SAFE_INTEGER) return value;
    return Math.abs(value) < DYNAMO_MAX_MAGNITUDE ? NumberValue.from(String(value)) : String(value);
  }
  if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  const text = value.toString();
  return text.replace("-", "").replace(/0+$/, "").length <= DYNAMO_MAX_DIGITS ? NumberValue.from(text) : text;
}

/**
 * A DynamoDB number as read: a JS number, or a bigint for an integer beyond 2^53 − 1 (exact).
 * @param text the number's digits, as DynamoDB returns them
 */
export function readNumber(text: string): number | bigint {
  if (/^-?\d+$/.test(text)) {
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : BigInt(text);
  }
  return Number(text);
}

/** How every document client of the app marshalls: undefined members dropped, numbers as above. */
export const documentClientOptions: TranslateConfig = {
  marshallOptions: { removeUndefinedValues: true },
  unmarshallOptions: { wrapNumbers: readNumber },
};
