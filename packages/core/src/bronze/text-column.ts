import { Buffer } from "node:buffer";
import type { Encoding } from "hyparquet";
import type { PackedText } from "./packed-column";
import { unpackText } from "./packed-column";

/** A text column's values as hyparquet-writer should get them. */
export interface TextColumnData {
  data: (string | Uint8Array | null)[];
  /** Set when the column is written plain (no dictionary). */
  encoding?: Encoding;
}

/**
 * Prepares one row group's top-level text column for hyparquet-writer. A column of distinct
 * values (timestamps, ids; see {@link PackedText}) gets no dictionary anyway, and the writer
 * would then UTF-8-encode each string with its own TextEncoder call; here the whole group is
 * encoded at once and each value is a view into those bytes, written plain. Other columns
 * get strings, so the writer's dictionary (keyed by string) stays cheap.
 * @param column the group's packed values
 */
export function textColumnData(column: PackedText): TextColumnData {
  if (column.form === "coded" || !column.distinct) return { data: unpackText(column) };
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
