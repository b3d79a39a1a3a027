import type { Statistics } from "hyparquet";
import type { LeafValues } from "./leaf-values";
import { charOffsets, slotCount, valueAt } from "./leaf-values";

// A column chunk's statistics as hyparquet-writer writes them: min and max, strings compared
// in code point order (UTF-8 byte order) rather than by UTF-16 units as `<` would.

/**
 * hyparquet-writer's statistics of a chunk: min and max (strings in code point order), nulls,
 * NaNs for doubles (none: NaN marks an absent value).
 * @param values the chunk's values
 * @param type the leaf's physical type
 * @returns the chunk's statistics
 */
export function statisticsOf(values: LeafValues, type: string): Statistics {
  const slots = slotCount(values);
  const starts = values.kind === "joined" ? charOffsets(values.lengths) : undefined;
  let min: string | number | bigint | boolean | undefined;
  let max: typeof min;
  let nulls = 0n;
  for (let i = 0; i < slots; i++) {
    const value = valueAt(values, i, starts);
    if (value === null) {
      nulls++;
      continue;
    }
    if (min === undefined || compare(value, min) < 0) min = value;
    if (max === undefined || compare(value, max) > 0) max = value;
  }
  // Parquet's signed zeros: min -0, max +0.
  if (min === 0) min = -0;
  if (max === 0) max = 0;
  // hyparquet-writer's Statistics also carry the NaN count (its metadata writes it).
  const nanCount = type === "DOUBLE" ? 0n : undefined;
  return { min_value: min, max_value: max, null_count: nulls, nan_count: nanCount } as Statistics;
}

function compare(left: string | number | bigint | boolean, right: string | number | bigint | boolean): number {
  if (typeof left === "string" && typeof right === "string") return compareCodePoints(left, right);
  return left < right ? -1 : left > right ? 1 : 0;
}

// Strings in UTF-8 byte order, which is code point order (a lone surrogate as U+FFFD, as it
// is encoded), where `<` compares UTF-16 units.
function compareCodePoints(left: string, right: string): number {
  if (left === right) return 0;
  const length = Math.min(left.length, right.length);
  let i = 0;
  while (i < length && left.charCodeAt(i) === right.charCodeAt(i)) i++;
  if (i > 0) {
    const previous = left.charCodeAt(i - 1);
    if (previous >= 0xd800 && previous <= 0xdbff) i--;
  }
  while (i < left.length && i < right.length) {
    const a = codePoint(left, i);
    const b = codePoint(right, i);
    if (a !== b) return a - b;
    i += a > 0xffff ? 2 : 1;
  }
  return left.length - right.length;
}

function codePoint(value: string, i: number): number {
  const code = value.codePointAt(i) ?? 0xfffd;
  return code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
}
