import { Buffer } from "node:buffer";
import type { Encoding } from "hyparquet";
import type { PackedText } from "./column-buffer";
import { unpackText } from "./column-buffer";

/** A text column's values as hyparquet-writer should get them. */
export interface TextColumnData {
  data: (string | Uint8Array | null)[];
  /** Set when the column is written plain (no dictionary). */
  encoding?: Encoding;
}

// Only columns with (almost) no repeats: on a mid-cardinality column (a few thousand ids
// in a group) the writer's own dictionary may still win.
const MOSTLY_DISTINCT = 0.99;
const SAMPLE = 256;

/**
 * Prepares one row group's top-level text column for hyparquet-writer. A column whose
 * values are all distinct (timestamps, ids) gets no dictionary anyway, and the writer would
 * then UTF-8-encode each string with its own TextEncoder call (about 1 µs each: a second
 * per million rows); here the whole group is encoded at once and each value is a view into
 * those bytes, written plain. Columns that repeat get strings, so the writer's dictionary
 * (keyed by string) stays cheap.
 * @param column the group's packed values
 */
export function textColumnData(column: PackedText): TextColumnData {
  if (column.form === "coded" || !mostlyDistinct(column)) return { data: unpackText(column) };
  const { joined, lengths } = column;
  const bytes = Buffer.from(joined, "utf8");
  const ascii = bytes.length === joined.length; // then each value's byte length is its length
  const data = new Array<Uint8Array | null>(lengths.length);
  let chars = 0;
  let offset = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i]!;
    if (length < 0) {
      data[i] = null;
      continue;
    }
    const byteLength = ascii ? length : Buffer.byteLength(joined.slice(chars, chars + length), "utf8");
    data[i] = bytes.subarray(offset, offset + byteLength);
    chars += length;
    offset += byteLength;
  }
  return { data, encoding: "PLAIN" };
}

// A sample spread over the group, like the writer's: distinct values over present values.
function mostlyDistinct({ joined, lengths }: Extract<PackedText, { form: "joined" }>): boolean {
  const step = Math.max(1, Math.floor(lengths.length / SAMPLE));
  const seen = new Set<string>();
  let present = 0;
  let offset = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i]!;
    if (length < 0) continue;
    if (i % step === 0) {
      present++;
      seen.add(joined.slice(offset, offset + length));
    }
    offset += length;
  }
  return present > 0 && seen.size >= present * MOSTLY_DISTINCT;
}
