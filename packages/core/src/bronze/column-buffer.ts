import type { Field } from "../dataset/spec";

/**
 * One row group's values of one field, packed into typed arrays and, for text, a single
 * string: it crosses to the encoding thread without a copy per value, and a group being
 * filled keeps few JS objects alive (objects that outlive several young-generation
 * collections get copied and promoted, which measured as the largest cost of writing
 * bronze when parsed records were buffered whole).
 */
export type PackedColumn = PackedDoubles | PackedBooleans | PackedText | PackedStruct;

/** Doubles; NaN marks an absent value (JSON has no NaN, and non-finite numbers are rejected). */
export interface PackedDoubles {
  kind: "double";
  values: Float64Array;
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

/**
 * A record read without building objects (see `plain-line.ts`): its leaf values in the
 * order of the spec's leaves, depth first (null when absent), and a flag per struct in the
 * same order (0 when absent). `leaf` and `struct` are cursors the buffers advance.
 */
export interface FlatRecord {
  leaves: unknown[];
  present: Uint8Array;
  leaf: number;
  struct: number;
}

/** Fills one field's column for the row group being built. */
export interface ColumnBuffer {
  /** Stores row `row`'s value (null or undefined when absent). */
  set(row: number, value: unknown): void;
  /** Stores row `row`'s value from a flat record, advancing its cursors past this field. */
  setFlat(row: number, flat: FlatRecord): void;
  /** Packs rows `0..n-1` and starts the next group. */
  pack(n: number): PackedColumn;
}

/** The buffer of a text column. */
export interface TextBuffer extends ColumnBuffer {
  pack(n: number): PackedText;
}

/**
 * Creates the buffer of one field, holding up to `capacity` rows. Rows are `set` in order,
 * each once, from 0 up to the group's size, before the group is packed.
 * @param field a field of the dataset's spec
 * @param capacity rows per row group
 */
export function columnBuffer(field: Field, capacity: number): ColumnBuffer {
  switch (field.type) {
    case "struct":
      return structBuffer(field.fields, capacity);
    case "double":
      return doubleBuffer(capacity);
    case "boolean":
      return booleanBuffer(capacity);
    case "string":
    case "timestamp":
      return textBuffer(capacity);
  }
}

// A scalar field's buffer: in a flat record, its value is the next leaf.
function leafBuffer<P extends PackedColumn>({
  set,
  pack,
}: {
  set: (row: number, value: unknown) => void;
  pack: (n: number) => P;
}) {
  return { set, pack, setFlat: (row: number, flat: FlatRecord) => set(row, flat.leaves[flat.leaf++]) };
}

function doubleBuffer(capacity: number): ColumnBuffer {
  let values = new Float64Array(capacity);
  return leafBuffer({
    set(row: number, value: unknown) {
      values[row] = typeof value === "number" ? value : Number.NaN;
    },
    pack(n: number): PackedDoubles {
      const packed: PackedDoubles = { kind: "double", values: values.subarray(0, n) };
      values = new Float64Array(capacity);
      return packed;
    },
  });
}

function booleanBuffer(capacity: number): ColumnBuffer {
  let values = new Int8Array(capacity);
  return leafBuffer({
    set(row: number, value: unknown) {
      values[row] = typeof value === "boolean" ? Number(value) : -1;
    },
    pack(n: number): PackedBooleans {
      const packed: PackedBooleans = { kind: "boolean", values: values.subarray(0, n) };
      values = new Int8Array(capacity);
      return packed;
    },
  });
}

/**
 * A text column's buffer (also used for `_extra`). Each group starts coded; once its
 * distinct values pass a quarter of the rows it switches to joined, and so do the groups
 * after it, all marked `distinct` if (almost) no value had repeated by then. Either way a
 * group crosses to the worker as a few strings and typed arrays: copying each value on its
 * own measured as a tenth of the parsing thread's time.
 * @param capacity rows per row group
 */
export function textBuffer(capacity: number): TextBuffer {
  const maxDistinct = Math.max(1, capacity >> 2);
  let coded = true;
  let distinct = false;
  let dictionary: string[] = [];
  let ids = new Map<string, number>();
  let codes = new Int32Array(capacity);
  let joined = "";
  let lengths = new Int32Array(capacity);
  const join = (row: number, value: string) => {
    joined += value; // V8 links the pieces and copies them once, when the group is sent
    lengths[row] = value.length;
  };
  // The rows so far, coded, are rewritten joined.
  const switchToJoined = (rows: number) => {
    let present = 0;
    for (let i = 0; i < rows; i++) {
      const code = codes[i]!;
      if (code < 0) {
        lengths[i] = -1;
        continue;
      }
      present++;
      join(i, dictionary[code]!);
    }
    distinct = dictionary.length >= present * 0.99;
    coded = false;
    dictionary = [];
    ids = new Map();
  };
  return leafBuffer({
    set(row: number, value: unknown) {
      if (typeof value !== "string") {
        if (coded) codes[row] = -1;
        else lengths[row] = -1;
        return;
      }
      if (!coded) return join(row, value);
      let id = ids.get(value);
      if (id === undefined) {
        if (dictionary.length === maxDistinct) {
          switchToJoined(row);
          return join(row, value);
        }
        id = dictionary.length;
        dictionary.push(value);
        ids.set(value, id);
      }
      codes[row] = id;
    },
    pack(n: number): PackedText {
      if (coded) {
        const packed: PackedText = { kind: "text", form: "coded", dictionary, codes: codes.subarray(0, n) };
        dictionary = [];
        ids = new Map();
        codes = new Int32Array(capacity);
        return packed;
      }
      const packed: PackedText = { kind: "text", form: "joined", joined, lengths: lengths.subarray(0, n), distinct };
      joined = "";
      lengths = new Int32Array(capacity);
      return packed;
    },
  });
}

function structBuffer(fields: Field[], capacity: number): ColumnBuffer {
  let present = new Uint8Array(capacity);
  const names = fields.map((field) => field.name);
  const children = fields.map((field) => columnBuffer(field, capacity));
  const leaves = countLeaves(fields);
  const structs = countStructs(fields);
  const buffer: ColumnBuffer = {
    set(row, value) {
      if (value === null || typeof value !== "object") {
        present[row] = 0;
        // The fields are still set, so no row of a packed column is left from an earlier group.
        for (const child of children) child.set(row, null);
        return;
      }
      present[row] = 1;
      const object = value as Record<string, unknown>;
      for (let c = 0; c < children.length; c++) children[c]!.set(row, object[names[c]!]);
    },
    pack(n) {
      const packed: PackedStruct = {
        kind: "struct",
        present: present.subarray(0, n),
        fields: children.map((child) => child.pack(n)),
      };
      present = new Uint8Array(capacity);
      return packed;
    },
    setFlat(row, flat) {
      if (flat.present[flat.struct++] === 1) {
        present[row] = 1;
        for (const child of children) child.setFlat(row, flat);
        return;
      }
      buffer.set(row, null);
      flat.leaf += leaves;
      flat.struct += structs;
    },
  };
  return buffer;
}

/**
 * An empty flat record for a dataset's fields, to be filled and appended row after row.
 * @param fields the spec's fields
 */
export function flatRecord(fields: Field[]): FlatRecord {
  return {
    leaves: new Array<unknown>(countLeaves(fields)).fill(null),
    present: new Uint8Array(countStructs(fields)),
    leaf: 0,
    struct: 0,
  };
}

function countLeaves(fields: Field[]): number {
  return fields.reduce((sum, field) => sum + (field.type === "struct" ? countLeaves(field.fields) : 1), 0);
}

function countStructs(fields: Field[]): number {
  return fields.reduce((sum, field) => sum + (field.type === "struct" ? 1 + countStructs(field.fields) : 0), 0);
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
 * Adds the buffers of a packed column to a transfer list (they move; no copy is made).
 * @param column a packed column
 * @param list the transfer list of a postMessage
 */
export function transferablesOf(column: PackedColumn, list: ArrayBuffer[]): void {
  switch (column.kind) {
    case "double":
    case "boolean":
      list.push(column.values.buffer as ArrayBuffer);
      return;
    case "text":
      list.push((column.form === "coded" ? column.codes : column.lengths).buffer as ArrayBuffer);
      return;
    case "struct":
      list.push(column.present.buffer as ArrayBuffer);
      for (const child of column.fields) transferablesOf(child, list);
  }
}
