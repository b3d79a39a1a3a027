import { Buffer } from "node:buffer";
import type { Field, ValueType } from "../dataset/spec";
import type {
  PackedBooleans,
  PackedColumn,
  PackedDoubles,
  PackedIntegers,
  PackedList,
  PackedStruct,
  PackedText,
} from "./packed-column";

/**
 * A record read without building objects (see `plain-line.ts`): its leaf values in the
 * order of the spec's leaves, depth first (null when absent), and a flag per struct in the
 * same order (0 when absent). `leaf` and `struct` are cursors the buffers advance. A text
 * leaf the plain reader took as written is kept as where it is in the line's code units
 * ({@link AS_WRITTEN} among the values): the text buffers read those units, and its string
 * is made only when {@link FlatRecord.leaves} is read (slicing one string per value was a
 * sixth of the reading thread, 1M car-telemetry lines).
 */
export class FlatRecord {
  /** The leaf values as stored: {@link AS_WRITTEN} where the value is `text[starts[i], ends[i])`. */
  readonly values: unknown[];
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  present: Uint8Array;
  leaf = 0;
  struct = 0;
  /** The text the plain reader read last, and its code units. */
  text = "";
  units: Uint16Array = new Uint16Array(0);
  /**
   * The plain reader already wrote this record into the file's columns (a line of a shape it
   * had learned, see `line-shape.ts`): nothing is kept here, only the row is to be ended.
   */
  inColumns = false;

  constructor(leaves: number, structs: number) {
    this.values = new Array<unknown>(leaves).fill(null);
    this.starts = new Int32Array(leaves);
    this.ends = new Int32Array(leaves);
    this.present = new Uint8Array(structs);
  }

  /** The leaf values, every one a value (the strings kept as written are made now). */
  get leaves(): unknown[] {
    const { values, starts, ends, text } = this;
    for (let i = 0; i < values.length; i++) if (values[i] === AS_WRITTEN) values[i] = text.slice(starts[i], ends[i]);
    return values;
  }
}

/** Marks a text leaf of a {@link FlatRecord} kept as where it is written. */
export const AS_WRITTEN: unique symbol = Symbol("as written");

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
  /** Stores row `row`'s value `text[start, end)`, read from the text's code units `units`. */
  setUnits(row: number, text: string, units: Uint16Array, start: number, end: number): void;
  /** The same, for a value whose {@link hashUnits} its reader computed as it scanned it. */
  setHashedUnits(row: number, text: string, units: Uint16Array, start: number, end: number, hash: number): void;
  pack(n: number): PackedText;
}

/** The buffer of a struct column. */
export interface StructBuffer extends ColumnBuffer {
  /** Its fields' buffers. */
  readonly children: ColumnBuffer[];
  /** Marks row `row`'s struct present; its fields are set one by one. */
  setPresent(row: number): void;
}

/**
 * A file's column buffers as the plain reader writes a row into them: every leaf's buffer
 * and every struct's, in a {@link FlatRecord}'s order (the spec's, depth first).
 */
export interface RowColumns {
  leaves: ColumnBuffer[];
  structs: StructBuffer[];
}

/**
 * The leaves and structs of the top-level buffers of `fields`, in a flat record's order.
 * @param fields the spec's fields
 * @param buffers their buffers, made by {@link columnBuffer}
 */
export function rowColumns(fields: Field[], buffers: ColumnBuffer[]): RowColumns {
  const columns: RowColumns = { leaves: [], structs: [] };
  const walk = (fields: Field[], buffers: ColumnBuffer[]) => {
    for (const [i, field] of fields.entries()) {
      const buffer = buffers[i]!;
      if (field.type !== "struct") {
        columns.leaves.push(buffer);
        continue;
      }
      const struct = buffer as StructBuffer;
      columns.structs.push(struct);
      walk(field.fields, struct.children);
    }
  };
  walk(fields, buffers);
  return columns;
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
    case "integer":
      return integerBuffer(capacity);
    case "boolean":
      return booleanBuffer(capacity);
    case "list":
      return listBuffer(capacity, field.items);
    case "string":
    case "timestamp":
    case "date":
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
  return { set, pack, setFlat: (row: number, flat: FlatRecord) => set(row, flat.values[flat.leaf++]) };
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

function integerBuffer(capacity: number): ColumnBuffer {
  let values = new BigInt64Array(capacity);
  let present = new Uint8Array(capacity);
  return leafBuffer({
    set(row: number, value: unknown) {
      if (typeof value === "number") {
        values[row] = BigInt(value);
        present[row] = 1;
      } else if (typeof value === "bigint") {
        values[row] = value;
        present[row] = 1;
      } else present[row] = 0;
    },
    pack(n: number): PackedIntegers {
      const packed: PackedIntegers = { kind: "int64", values: values.subarray(0, n), present: present.subarray(0, n) };
      values = new BigInt64Array(capacity);
      present = new Uint8Array(capacity);
      return packed;
    },
  });
}

// A list's value is what bronze stores (values.ts made it), but for its integers: Parquet's
// INT64 takes bigints, and values.ts keeps those that fit a double as numbers.
function listBuffer(capacity: number, items: ValueType): ColumnBuffer {
  let rows = new Array<unknown[] | null>(capacity);
  const convert = int64Converter({ type: "list", items });
  return leafBuffer({
    set(row: number, value: unknown) {
      rows[row] = Array.isArray(value) ? (convert ? (convert(value) as unknown[]) : value) : null;
    },
    pack(n: number): PackedList {
      const packed: PackedList = { kind: "list", rows: rows.length === n ? rows : rows.slice(0, n) };
      rows = new Array<unknown[] | null>(capacity);
      return packed;
    },
  });
}

// Turns the integers inside a value of `type` into bigints; undefined when it holds none.
function int64Converter(type: ValueType): ((value: unknown) => unknown) | undefined {
  switch (type.type) {
    case "integer":
      return (value) => (typeof value === "number" ? BigInt(value) : value);
    case "list": {
      const item = int64Converter(type.items);
      return item && ((value) => (Array.isArray(value) ? value.map((v) => (v === null ? null : item(v))) : value));
    }
    case "struct": {
      const fields = type.fields.flatMap((field) => {
        const convert = int64Converter(field);
        return convert ? [{ name: field.name, convert }] : [];
      });
      if (fields.length === 0) return undefined;
      return (value) => {
        if (value === null || typeof value !== "object") return value;
        const copy = { ...(value as Record<string, unknown>) };
        for (const { name, convert } of fields)
          if (copy[name] !== null && copy[name] !== undefined) copy[name] = convert(copy[name]);
        return copy;
      };
    }
    default:
      return undefined;
  }
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
 * group crosses to the worker as a few strings and typed arrays, not one copy per value.
 * A value the plain reader took as written (see {@link FlatRecord}) is read from the
 * line's code units: looked up in the dictionary by them, or copied from them when joined,
 * without hashing or linking its string.
 * @param capacity rows per row group
 */
export function textBuffer(capacity: number): TextBuffer {
  const maxDistinct = Math.max(1, capacity >> 2);
  let coded = true;
  let distinct = false;
  let dictionary: string[] = [];
  // The dictionary's entries by their strings, for values given as strings (the general path):
  // filled only when one is looked up, as plain lines find theirs by code units (`index`).
  let ids = new Map<string, number>();
  let idsKnown = 0;
  const index = unitsIndex(maxDistinct);
  let codes = new Int32Array(capacity);
  let joined = "";
  let lengths = new Int32Array(capacity);
  // Joined values copied from code units, not yet added to `joined`.
  let pending = new Uint16Array(1024);
  let pendingLength = 0;
  const flush = () => {
    // V8 makes a one-byte string of units that all fit one byte
    joined += Buffer.from(pending.buffer, 0, pendingLength * 2).toString("utf16le");
    pendingLength = 0;
  };
  const join = (row: number, value: string) => {
    if (pendingLength > 0) flush();
    joined += value; // V8 links the pieces and copies them once, when the group is sent
    lengths[row] = value.length;
  };
  const joinUnits = (row: number, units: Uint16Array, start: number, end: number) => {
    const length = end - start;
    if (pendingLength + length > pending.length) {
      const grown = new Uint16Array(2 * (pendingLength + length));
      grown.set(pending);
      pending = grown;
    }
    for (let i = start, to = pendingLength; i < end; i++, to++) pending[to] = units[i]!;
    pendingLength += length;
    lengths[row] = length;
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
    idsKnown = 0;
    index.clear();
  };
  // A new dictionary entry's code, or -1 when the dictionary is full (the group is now joined).
  const add = (row: number, value: string): number => {
    if (dictionary.length === maxDistinct) {
      switchToJoined(row);
      return -1;
    }
    const id = dictionary.length;
    dictionary.push(value);
    index.add(value);
    return id;
  };
  const set = (row: number, value: unknown) => {
    if (typeof value !== "string") {
      if (coded) codes[row] = -1;
      else lengths[row] = -1;
      return;
    }
    if (!coded) return join(row, value);
    while (idsKnown < dictionary.length) ids.set(dictionary[idsKnown]!, idsKnown++);
    let id = ids.get(value);
    if (id === undefined) {
      id = add(row, value);
      if (id === -1) return join(row, value);
    }
    codes[row] = id;
  };
  const setHashedUnits = (row: number, text: string, units: Uint16Array, start: number, end: number, hash: number) => {
    if (!coded) return joinUnits(row, units, start, end);
    let id = index.find(units, start, end, hash);
    if (id === -1) {
      const value = text.slice(start, end);
      id = add(row, value);
      if (id === -1) return join(row, value);
    }
    codes[row] = id;
  };
  const setUnits = (row: number, text: string, units: Uint16Array, start: number, end: number) =>
    setHashedUnits(row, text, units, start, end, coded ? hashUnits(units, start, end) : 0);
  return {
    set,
    setUnits,
    setHashedUnits,
    setFlat(row: number, flat: FlatRecord) {
      const leaf = flat.leaf++;
      const value = flat.values[leaf];
      if (value !== AS_WRITTEN) return set(row, value);
      setUnits(row, flat.text, flat.units, flat.starts[leaf]!, flat.ends[leaf]!);
    },
    pack(n: number): PackedText {
      if (coded) {
        const packed: PackedText = { kind: "text", form: "coded", dictionary, codes: codes.subarray(0, n) };
        dictionary = [];
        ids = new Map();
        idsKnown = 0;
        index.clear();
        codes = new Int32Array(capacity);
        return packed;
      }
      if (pendingLength > 0) flush();
      const packed: PackedText = { kind: "text", form: "joined", joined, lengths: lengths.subarray(0, n), distinct };
      joined = "";
      lengths = new Int32Array(capacity);
      return packed;
    },
  };
}

/**
 * The dictionary's entries by their code units: an open-addressing table of entry numbers,
 * found from a span of a line's units without making its string (a `Map` lookup hashed a
 * fresh string per value).
 */
function unitsIndex(maxEntries: number) {
  let size = 16;
  while (size < maxEntries * 2) size <<= 1;
  const mask = size - 1;
  const slots = new Int32Array(size); // entry + 1; 0 is empty
  const hashes = new Int32Array(maxEntries);
  const offsets = new Int32Array(maxEntries + 1);
  let keys = new Uint16Array(1024);
  let entries = 0;
  return {
    /** The entry whose units are `units[start, end)`, whose {@link hashUnits} is `hash`; or -1. */
    find(units: Uint16Array, start: number, end: number, hash: number): number {
      const length = end - start;
      for (let s = hash & mask; ; s = (s + 1) & mask) {
        const entry = slots[s]! - 1;
        if (entry === -1) return -1;
        if (hashes[entry] !== hash) continue;
        const from = offsets[entry]!;
        if (offsets[entry + 1]! - from !== length) continue;
        let i = 0;
        while (i < length && keys[from + i] === units[start + i]) i++;
        if (i === length) return entry;
      }
    },
    /** Adds the next entry (not already in). */
    add(value: string): void {
      const from = offsets[entries]!;
      const to = from + value.length;
      if (to > keys.length) {
        const grown = new Uint16Array(2 * to);
        grown.set(keys);
        keys = grown;
      }
      for (let i = 0; i < value.length; i++) keys[from + i] = value.charCodeAt(i);
      const hash = hashUnits(keys, from, to);
      let s = hash & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = ++entries;
      hashes[entries - 1] = hash;
      offsets[entries] = to;
    },
    clear(): void {
      if (entries > 0) slots.fill(0);
      entries = 0;
    },
  };
}

/** FNV-1a's offset basis and prime, as int32: {@link hashUnits}, and a reader hashing a value as it scans it. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** FNV-1a of `units[start, end)`: how a text buffer's dictionary finds a value by its code units. */
export function hashUnits(units: Uint16Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ units[i]!, FNV_PRIME);
  return hash;
}

function structBuffer(fields: Field[], capacity: number): StructBuffer {
  let present = new Uint8Array(capacity);
  const names = fields.map((field) => field.name);
  const children = fields.map((field) => columnBuffer(field, capacity));
  const leaves = countLeaves(fields);
  const structs = countStructs(fields);
  const buffer: StructBuffer = {
    children,
    setPresent(row) {
      present[row] = 1;
    },
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
  return new FlatRecord(countLeaves(fields), countStructs(fields));
}

function countLeaves(fields: Field[]): number {
  return fields.reduce((sum, field) => sum + (field.type === "struct" ? countLeaves(field.fields) : 1), 0);
}

function countStructs(fields: Field[]): number {
  return fields.reduce((sum, field) => sum + (field.type === "struct" ? 1 + countStructs(field.fields) : 0), 0);
}
