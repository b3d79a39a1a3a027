import { Buffer } from "node:buffer";
import type { Field } from "../dataset/spec";
import { sourceKey } from "../dataset/spec";
import type { FlatRecord, RowColumns } from "./column-buffer";
import { AS_WRITTEN } from "./column-buffer";
import type { ShapeSlot } from "./line-shape";
import { LineShapes } from "./line-shape";
import type { TimeReader } from "./time";
import { commonIsoTimestamp, dateReader, timestampReader } from "./time";

/**
 * Reads one NDJSON line `text[start, end)` straight into a {@link FlatRecord} when it is
 * the plain case: one object, spaced or not (spaces only: tabs and other control characters
 * are not plain), no escapes, every key one the spec knows and given once, every value of its
 * field's type with no coercion (timestamps and dates read by the same readers as the general
 * path's, integers of up to 15 digits, lists only absent), every required field present.
 * Anything else returns false, and the line takes the general path (JSON.parse, the record
 * checks, zod), which decides and gives the reason. So the plain case accepts only records
 * the general path accepts, with `_extra` null, and yields the values JSON.parse would,
 * without building the parsed object, checking it, and copying it into the columns.
 */
export type PlainLineReader = (text: string, start: number, end: number, flat: FlatRecord, row?: number) => boolean;

interface Level {
  /** Each key's name as character codes: compared against the text without reading a string per character. */
  codes: Uint16Array[];
  slots: Slot[];
  /**
   * The key expected after key i (after the object's start at i = the number of keys): the
   * one that followed it last time, as lines usually write their keys in one order, which
   * need not be the spec's.
   */
  after: Int32Array;
  /**
   * Which keys the object being read has given so far: key i when `seen[i] === stamp`. Each
   * object takes the next stamp, so nothing is cleared per object.
   */
  seen: Int32Array;
  stamp: number;
}

// One shape for every kind of slot (what a kind does not use is -1 or undefined), so the
// reader's loads of `kind`, `leaf` and `required` see one hidden class, not three.
interface Slot extends ShapeSlot {
  /** A struct's keys. */
  level: Level | undefined;
  /** A timestamp's or date's reader. */
  read: TimeReader | undefined;
  /** An ISO timestamp's check of its common shape, which bronze keeps as written (time.ts). */
  common: ((units: Uint16Array, at: number, length: number) => boolean) | undefined;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const SPACE = 32;
const COLON = 58;
const OPEN = 123;
const CLOSE = 125;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const NULL = codesOf("null");
const TRUE = codesOf("true");
const FALSE = codesOf("false");

// Powers of ten a double holds exactly: an integer mantissa of up to 15 digits divided by one
// of them is the correctly rounded value, the same double JSON.parse gives (Clinger's fast path).
const EXACT_POWERS = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const MAX_EXACT_DIGITS = 15;

/**
 * Compiles the reader of plain lines for a dataset's fields, or returns undefined when the
 * spec needs the general path's checks: a field name such as `__proto__`, or structs nested
 * deeper than the records may be. Given the file's `columns`, it also learns the lines'
 * shapes (`line-shape.ts`): a line of a known shape is written straight into the columns at
 * `row`, and the flat record is marked {@link FlatRecord.inColumns}.
 * @param fields the spec's fields
 * @param options the general path's check of a key and its depth limit; the columns to write into
 */
export function plainLineReader(
  fields: Field[],
  {
    safeName,
    maxDepth,
    columns,
  }: { safeName: (name: string) => boolean; maxDepth: number; columns?: RowColumns | undefined },
): PlainLineReader | undefined {
  const counter = { leaves: 0, structs: 0 };
  const root = compile(fields, counter, safeName, maxDepth - 1);
  if (!root) return undefined;

  // Reads the object starting at `p` (its `{`) for `level`; returns the index after its `}`, or -1.
  function readObject(text: string, u: Uint16Array, p: number, end: number, level: Level, flat: FlatRecord): number {
    const { codes, slots, seen, after } = level;
    const stamp = nextStamp(level);
    let previous = codes.length;
    p = skipSpaces(u, p + 1);
    if (u[p] === CLOSE) return finishObject(level, flat, shapes) ? p + 1 : -1;
    for (;;) {
      if (u[p] !== QUOTE) return -1;
      // Find the key among the level's names, trying the one expected next first.
      let k = after[previous]!;
      if (k === codes.length || !isKeyAt(u, p + 1, codes[k]!)) {
        k = -1;
        for (let i = 0; i < codes.length; i++)
          if (isKeyAt(u, p + 1, codes[i]!)) {
            k = i;
            break;
          }
        if (k === -1) return -1; // a key the spec does not know: `_extra` is the general path's
      }
      if (seen[k] === stamp) return -1; // given twice: the general path rejects it (duplicate-key.ts)
      seen[k] = stamp;
      after[previous] = k;
      previous = k;
      p = skipSpaces(u, p + codes[k]!.length + 2);
      if (u[p] !== COLON) return -1;
      p = skipSpaces(u, p + 1);
      const slot = slots[k]!;
      p = readValue(text, u, p, end, slot, flat);
      if (p === -1) return -1;
      p = skipSpaces(u, p);
      const c = u[p];
      if (c === COMMA) {
        p = skipSpaces(u, p + 1);
        continue;
      }
      if (c !== CLOSE) return -1;
      return finishObject(level, flat, shapes) ? p + 1 : -1;
    }
  }

  // Reads a value, telling the shapes being learned where it was.
  function readValue(text: string, u: Uint16Array, p: number, end: number, slot: Slot, flat: FlatRecord): number {
    const next = readAnyValue(text, u, p, end, slot, flat);
    // A struct written as an object is not a value of the shape: its keys are the shape's text.
    if (shapes && next !== -1 && (slot.kind !== "struct" || u[p] !== OPEN)) shapes.value(p, next, slot);
    return next;
  }

  function readAnyValue(text: string, u: Uint16Array, p: number, end: number, slot: Slot, flat: FlatRecord): number {
    const c = u[p];
    if (c === 110 /* n */) {
      if (slot.required || !startsAt(u, p, NULL)) return -1;
      clearSlot(slot, flat);
      return p + 4;
    }
    switch (slot.kind) {
      case "struct":
        if (c !== OPEN) return -1;
        flat.present[slot.struct] = 1;
        shapes?.open(slot);
        return readObject(text, u, p, end, slot.level!, flat);
      case "time": {
        // Text or a number, as the field's format takes it; the general path's reader decides.
        let value: unknown;
        let next: number;
        if (c === QUOTE) {
          const close = closingQuote(u, p + 1, end);
          if (close === -1) return -1;
          if (slot.common?.(u, p + 1, close - p - 1)) return asWritten(flat, slot.leaf, p + 1, close);
          value = text.slice(p + 1, close);
          next = close + 1;
        } else {
          next = readNumber(text, u, p, end, false);
          if (next === -1) return -1;
          value = lastNumber;
        }
        const read = slot.read!(value);
        if (typeof read !== "string") return -1;
        flat.values[slot.leaf] = read;
        return next;
      }
      case "string": {
        if (c !== QUOTE) return -1;
        const close = closingQuote(u, p + 1, end);
        if (close === -1) return -1;
        // Blank fails a required field; a value starting with a visible ASCII character is not.
        const first = close > p + 1 ? u[p + 1]! : SPACE;
        if (slot.required && (first <= SPACE || first > 126) && text.slice(p + 1, close).trim() === "") return -1;
        return asWritten(flat, slot.leaf, p + 1, close);
      }
      case "boolean":
        if (startsAt(u, p, TRUE)) {
          flat.values[slot.leaf] = true;
          return p + 4;
        }
        if (startsAt(u, p, FALSE)) {
          flat.values[slot.leaf] = false;
          return p + 5;
        }
        return -1;
      case "double":
      case "integer": {
        const next = readNumber(text, u, p, end, slot.kind === "integer");
        if (next !== -1) flat.values[slot.leaf] = lastNumber;
        return next;
      }
      case "list":
        return -1; // only an absent list (null, above) is plain
    }
  }

  // The code units of the text being read, copied once for all the lines of a chunk: a
  // typed-array load costs a third of a charCodeAt (one-byte or external strings alike).
  let unitsText: string | undefined;
  let units = new Uint16Array(0);
  const unitsOf = (text: string): Uint16Array => {
    if (text === unitsText) return units;
    if (units.length <= text.length) units = new Uint16Array(text.length + 1);
    Buffer.from(units.buffer).write(text, "utf16le");
    units[text.length] = 0; // past the end: fails every test, as charCodeAt's NaN would
    unitsText = text;
    return units;
  };

  const shapes =
    columns &&
    new LineShapes(columns, {
      readNumber,
      number: () => lastNumber,
      EXACT_POWERS,
      MAX_EXACT_DIGITS,
      readValue: (text, u, p, end, slot, flat) => readAnyValue(text, u, p, end, slot as Slot, flat),
    });

  return (text, start, end, flat, row = 0) => {
    const u = unitsOf(text);
    flat.units = u;
    flat.text = text;
    flat.inColumns = false;
    if (!shapes) return u[start] === OPEN && readObject(text, u, start, end, root, flat) === end;
    if (shapes.read(text, u, start, end, row, flat)) {
      flat.inColumns = true;
      return true;
    }
    shapes.start();
    if (u[start] !== OPEN || readObject(text, u, start, end, root, flat) !== end) return false;
    shapes.learn(u, start, end);
    return true;
  };
}

function compile(
  fields: Field[],
  counter: { leaves: number; structs: number },
  safeName: (name: string) => boolean,
  depthLeft: number,
): Level | undefined {
  if (depthLeft < 0) return undefined;
  const slots: Slot[] = [];
  for (const field of fields) {
    // A key matched as raw text must be one JSON writes as is: no quote, escape or control character.
    if (!safeName(sourceKey(field)) || /["\\\u0000-\u001f]/.test(sourceKey(field))) return undefined;
    const struct = field.type === "struct" ? counter.structs++ : -1;
    const level = field.type === "struct" ? compile(field.fields, counter, safeName, depthLeft - 1) : undefined;
    if (field.type === "struct" && !level) return undefined;
    slots.push({
      kind: field.type === "timestamp" || field.type === "date" ? "time" : field.type,
      required: field.required === true,
      leaf: field.type === "struct" ? -1 : counter.leaves++,
      struct,
      level,
      read: field.type === "timestamp" ? timestampReader(field) : field.type === "date" ? dateReader(field) : undefined,
      common: field.type === "timestamp" ? commonIsoTimestamp(field) : undefined,
    });
  }
  const codes = fields.map(sourceKey).map(codesOf);
  const after = Int32Array.from({ length: fields.length + 1 }, (_, i) => (i + 1) % (fields.length + 1));
  return { codes, slots, after, seen: new Int32Array(fields.length), stamp: 0 };
}

function codesOf(text: string): Uint16Array {
  return Uint16Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
}

// The stamp of the object about to be read at `level` (see {@link Level.seen}).
function nextStamp(level: Level): number {
  if (level.stamp === 0x7fffffff) {
    level.seen.fill(0);
    level.stamp = 0;
  }
  return ++level.stamp;
}

// After an object's last key: a required field missing fails it; an optional one is absent.
function finishObject({ slots, seen, stamp }: Level, flat: FlatRecord, shapes: LineShapes | undefined): boolean {
  for (let i = 0; i < slots.length; i++) {
    if (seen[i] === stamp) continue;
    const slot = slots[i]!;
    if (slot.required) return false;
    clearSlot(slot, flat);
    shapes?.leftOut(slot);
  }
  return true;
}

// Keeps a text leaf as `text[start, end)`, its string made only if asked for; returns the index after its closing quote.
function asWritten(flat: FlatRecord, leaf: number, start: number, end: number): number {
  flat.values[leaf] = AS_WRITTEN;
  flat.starts[leaf] = start;
  flat.ends[leaf] = end;
  return end + 1;
}

// Marks a slot (and everything inside a struct) absent.
function clearSlot(slot: Slot, flat: FlatRecord): void {
  if (slot.kind !== "struct") {
    flat.values[slot.leaf] = null;
    return;
  }
  flat.present[slot.struct] = 0;
  for (const inner of slot.level!.slots) clearSlot(inner, flat);
}

// Spaces between tokens, as in `{"a": 1, "b": 2}`; any other whitespace fails the line.
function skipSpaces(u: Uint16Array, p: number): number {
  while (u[p] === SPACE) p++;
  return p;
}

// Where the string whose text starts at `p` ends (its closing quote), or -1 when an escape or
// a raw control character comes first: such a line is left to JSON.parse. Testing each string
// as its end is found replaced a regular-expression test of every chunk (6% of the reading
// thread, 1M car-telemetry lines, CPU profile); outside strings, such a character already
// fails the line, as no token or separator takes it.
function closingQuote(u: Uint16Array, p: number, end: number): number {
  for (let i = p; i < end; i++) {
    const c = u[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < SPACE) return -1;
  }
  return -1;
}

// Whether the key whose text starts at `p` is the name of `codes`: the closing quote where the
// name ends first (a key of another length fails on one character), then each character
// against the name's codes. Comparing with the name's own `charCodeAt` made this loop a
// seventh of the reading thread (1M car-telemetry lines, CPU profile).
function isKeyAt(u: Uint16Array, p: number, codes: Uint16Array): boolean {
  const n = codes.length;
  if (u[p + n] !== QUOTE) return false;
  for (let i = 0; i < n; i++) if (u[p + i] !== codes[i]) return false;
  return true;
}

// Whether `word` is at `p`, compared character by character: `startsWith` with a position was
// a sixth of the reader's time (1M car-telemetry lines, CPU profile).
function startsAt(u: Uint16Array, p: number, word: Uint16Array): boolean {
  for (let i = 0; i < word.length; i++) if (u[p + i] !== word[i]) return false;
  return true;
}

// The value of the number readNumber read last (module state: no object per number).
let lastNumber = 0;

// A JSON number at `p`, strictly by the grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?,
// its value left in `lastNumber`; returns the index after it, or -1. Up to 15 digits and no
// exponent, it is computed here; otherwise V8 converts the text, as JSON.parse does. A number
// too large for a double (Infinity) goes to the general path, and so does, for an integer
// field, any fraction, exponent or more than 15 digits (the general path reads those exactly).
function readNumber(text: string, u: Uint16Array, p: number, end: number, integer: boolean): number {
  let i = p;
  const negative = u[i] === MINUS;
  if (negative) i++;
  const first = u[i]!;
  if (first < ZERO || first > NINE) return -1;
  let mantissa = 0;
  let digits = 0;
  if (first === ZERO) {
    i++;
  } else {
    for (let c = first; c >= ZERO && c <= NINE && i < end; c = u[++i]!) {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
    }
  }
  let decimals = 0;
  if (u[i] === DOT) {
    if (integer) return -1;
    i++;
    for (let c = u[i]!; c >= ZERO && c <= NINE && i < end; c = u[++i]!) {
      mantissa = mantissa * 10 + (c - ZERO);
      if (mantissa !== 0) digits++;
      decimals++;
    }
    if (decimals === 0) return -1;
  }
  let exponent = false;
  let c = u[i]!;
  if (c === 101 /* e */ || c === 69 /* E */) {
    if (integer) return -1;
    exponent = true;
    c = u[++i]!;
    if (c === 43 /* + */ || c === MINUS) c = u[++i]!;
    if (c < ZERO || c > NINE) return -1;
    while (c >= ZERO && c <= NINE && i < end) c = u[++i]!;
  }
  if (c !== COMMA && c !== CLOSE && c !== SPACE) return -1; // not a number's end
  if (exponent || digits > MAX_EXACT_DIGITS || decimals >= EXACT_POWERS.length) {
    if (integer) return -1;
    const value = Number(text.slice(p, i));
    if (!Number.isFinite(value)) return -1;
    lastNumber = value;
  } else {
    const magnitude = decimals === 0 ? mantissa : mantissa / EXACT_POWERS[decimals]!;
    lastNumber = negative ? -magnitude : magnitude;
  }
  return i;
}
