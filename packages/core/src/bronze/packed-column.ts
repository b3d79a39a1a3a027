import type { Field } from "../dataset/spec";

// The packed form of bronze rows: what the column buffers (`column-buffer.ts`) hand over
// every row group, what crosses to the encoding worker, and how the encoder reads it back.

/**
 * One row group's values of one field, packed into typed arrays and, for text, a single
 * string: it crosses to the encoding thread without a copy per value, and a group being
 * filled keeps few JS objects alive, so the garbage collector has little to copy and promote.
 */
export type PackedColumn = PackedDoubles | PackedIntegers | PackedBooleans | PackedText | PackedStruct | PackedList;

/** Doubles; NaN marks an absent value (JSON has no NaN, and non-finite numbers are rejected). */
export interface PackedDoubles {
  kind: "double";
  values: Float64Array;
}

/** 64-bit integers; `present[i]` is 0 where row i has none (every int64 is a possible value). */
export interface PackedIntegers {
  kind: "int64";
  values: BigInt64Array;
  present: Uint8Array;
}

/**
 * Lists, one JS array per row (null when absent) of the values bronze stores: lists are
 * rarer and ragged, so they cross to the worker as they are (structured clone).
 */
export interface PackedList {
  kind: "list";
  rows: (unknown[] | null)[];
}

/** Booleans as 1/0; -1 marks an absent value. */
export interface PackedBooleans {
  kind: "boolean";
  values: Int8Array;
}

/**
 * Strings, in one of two forms. `coded`: the distinct values and, per row, the index of its
 * value (-1 when absent), for columns that repeat (makes, colours). `joined`: the values
 * concatenated in row order and, per row, its length in UTF-16 units (-1 when absent), for
 * columns that repeat less; `distinct` when no value repeated before the switch to joined
 * (timestamps, ids), so a dictionary would not pay.
 */
export type PackedText =
  | { kind: "text"; form: "coded"; dictionary: string[]; codes: Int32Array }
  | { kind: "text"; form: "joined"; joined: string; lengths: Int32Array; distinct: boolean };

/** A struct: `present[i]` is 0 when row i has no object; its fields' columns are read only where it is 1. */
export interface PackedStruct {
  kind: "struct";
  present: Uint8Array;
  fields: PackedColumn[];
}

/** One row group of a bronze file, packed: what the encoder takes. */
export interface PackedRowGroup {
  rows: number;
  /** One column per field of the spec, in order. */
  columns: PackedColumn[];
  extra: PackedText;
  indexes: Int32Array;
  lines: Int32Array;
}

/**
 * The values of a packed column as hyparquet-writer takes them: scalars, an object per row
 * for a struct, null where absent.
 * @param column a packed column
 * @param fields the struct's fields, when `column` is a struct
 */
export function unpackColumn(column: PackedColumn, fields: Field[] = []): unknown[] {
  switch (column.kind) {
    case "double": {
      const { values } = column;
      const out = new Array<number | null>(values.length);
      for (let i = 0; i < values.length; i++) {
        const value = values[i]!;
        out[i] = Number.isNaN(value) ? null : value;
      }
      return out;
    }
    case "int64": {
      const { values, present } = column;
      const out = new Array<bigint | null>(values.length);
      for (let i = 0; i < values.length; i++) out[i] = present[i] === 1 ? values[i]! : null;
      return out;
    }
    case "list":
      return column.rows;
    case "boolean": {
      const { values } = column;
      const out = new Array<boolean | null>(values.length);
      for (let i = 0; i < values.length; i++) out[i] = values[i] === -1 ? null : values[i] === 1;
      return out;
    }
    case "text":
      return unpackText(column);
    case "struct": {
      const { present } = column;
      const names = fields.map((field) => field.name);
      const columns = column.fields.map((child, c) => {
        const field = fields[c]!;
        return unpackColumn(child, field.type === "struct" ? field.fields : []);
      });
      const out = new Array<Record<string, unknown> | null>(present.length);
      for (let i = 0; i < present.length; i++) {
        if (present[i] === 0) {
          out[i] = null;
          continue;
        }
        const object: Record<string, unknown> = {};
        for (let c = 0; c < columns.length; c++) object[names[c]!] = columns[c]![i];
        out[i] = object;
      }
      return out;
    }
  }
}

/**
 * The strings of a packed text column, null where absent.
 * @param column a packed text column
 */
export function unpackText(column: PackedText): (string | null)[] {
  if (column.form === "coded") {
    const { dictionary, codes } = column;
    const out = new Array<string | null>(codes.length);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      out[i] = code < 0 ? null : dictionary[code]!;
    }
    return out;
  }
  const { joined, lengths } = column;
  const out = new Array<string | null>(lengths.length);
  let offset = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i]!;
    if (length < 0) {
      out[i] = null;
      continue;
    }
    out[i] = joined.slice(offset, offset + length);
    offset += length;
  }
  return out;
}

/**
 * The buffers of a packed row group, for the transfer list of a postMessage: they move to
 * the worker, no copy is made, and the group is unusable here afterwards.
 * @param group a packed row group
 */
export function transferList(group: PackedRowGroup): ArrayBuffer[] {
  const list: ArrayBuffer[] = [group.indexes.buffer as ArrayBuffer, group.lines.buffer as ArrayBuffer];
  addBuffers(group.extra, list);
  for (const column of group.columns) addBuffers(column, list);
  return list;
}

function addBuffers(column: PackedColumn, list: ArrayBuffer[]): void {
  switch (column.kind) {
    case "double":
    case "boolean":
      list.push(column.values.buffer as ArrayBuffer);
      return;
    case "int64":
      list.push(column.values.buffer as ArrayBuffer, column.present.buffer as ArrayBuffer);
      return;
    case "list":
      return;
    case "text":
      list.push((column.form === "coded" ? column.codes : column.lengths).buffer as ArrayBuffer);
      return;
    case "struct":
      list.push(column.present.buffer as ArrayBuffer);
      for (const child of column.fields) addBuffers(child, list);
  }
}
