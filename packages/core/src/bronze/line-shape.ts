import { Buffer } from "node:buffer";
import type { ColumnBuffer, FlatRecord, RowColumns, StructBuffer } from "./column-buffer";
import { AS_WRITTEN, FNV_OFFSET, FNV_PRIME } from "./column-buffer";

/**
 * What the plain reader (`plain-line.ts`) knows of a field, as far as a line's shape needs:
 * how its value is read, where it goes in a {@link FlatRecord}.
 */
export interface ShapeSlot {
  kind: "string" | "double" | "integer" | "boolean" | "list" | "time" | "struct";
  required: boolean;
  /** Its leaf among a flat record's leaves (-1 for a struct). */
  leaf: number;
  /** A struct's place among a flat record's structs (-1 otherwise). */
  struct: number;
  /** An ISO timestamp's check of its common shape, which bronze keeps as written (time.ts). */
  common: ((units: Uint16Array, at: number, length: number) => boolean) | undefined;
}

/**
 * A line's shape: its text between its values (keys, braces, separators and spaces, as
 * written), the field of each value, the structs it opens and the fields it leaves out.
 * Lines written by one program have one shape, or a few.
 */
interface Shape {
  /** The text between values, all pieces in one array: piece i is `literals[bounds[i], bounds[i + 1])`. */
  literals: Uint16Array;
  bounds: Int32Array;
  /** The field of the value after piece i. */
  slots: ShapeSlot[];
  /** The structs written as objects. */
  opened: ShapeSlot[];
  /** The fields the line leaves out (absent keys). */
  absent: ShapeSlot[];
}

/**
 * Reads a line of a learned shape straight into the file's columns at `row`; false (nothing
 * of it kept: text values are stored last, once the whole line has matched) when the line
 * is not of that shape or a value is not plain.
 */
type ShapeReader = (text: string, u: Uint16Array, start: number, end: number, row: number, flat: FlatRecord) => boolean;

/** What compiled shape readers call: the plain reader's own value readers, so a value means one thing. */
export interface ShapeHelpers {
  /** Reads a JSON number at `p` (an integer when `integer`); returns the index after it, or -1. */
  readNumber(text: string, u: Uint16Array, p: number, end: number, integer: boolean): number;
  /** The number {@link ShapeHelpers.readNumber} read last. */
  number(): number;
  /** Powers of ten a double holds exactly, and the most digits a mantissa may have to be divided by one exactly. */
  EXACT_POWERS: readonly number[];
  MAX_EXACT_DIGITS: number;
  /** Reads any value of `slot` at `p` into `flat` (as the plain reader does); returns the index after it, or -1. */
  readValue(text: string, u: Uint16Array, p: number, end: number, slot: ShapeSlot, flat: FlatRecord): number;
}

/** Shapes kept per file: beyond them, lines of further shapes are read by the general plain reader. */
const MAX_SHAPES = 16;
/**
 * The most text between values a shape may have (code units): its code compares each unit,
 * so a line padded with a long run of spaces is left to the plain reader.
 */
const MAX_SHAPE_TEXT = 4096;
/** Lines of shapes beyond the kept ones after which a file's shapes are no longer learned. */
const MAX_UNKEPT = 1000;

/**
 * Learns the shapes of the lines the plain reader reads, and reads further lines of a known
 * shape by code made for it: matching the text between values as one run of constants and
 * writing each value straight into its column, where the plain reader looks each key up,
 * checks it once, keeps the value in a {@link FlatRecord} and copies it to its column after.
 * The code is made with `new Function` from numbers only (character codes, indexes; no text
 * of the file), as a JSON schema validator compiles a schema. On 1M car-telemetry lines it
 * took the reading thread's CPU from 3.1 to 2.3 s (`test/bench/ingest/NOTES.md`).
 */
export class LineShapes {
  private readonly columns: RowColumns;
  private readonly helpers: ShapeHelpers;
  private readonly compiled = new Map<string, ShapeReader>();
  private current: ShapeReader | undefined;
  // Lines of shapes not kept, read since the kept ones filled up: past MAX_UNKEPT, a file whose
  // lines keep changing shape (keys in random order) stops paying for learning them.
  private unkept = 0;
  // The line being learned: its values' spans and fields, the structs opened, the fields left out.
  private recording = false;
  private readonly spans: number[] = [];
  private readonly slots: ShapeSlot[] = [];
  private readonly opened: ShapeSlot[] = [];
  private readonly absent: ShapeSlot[] = [];

  constructor(columns: RowColumns, helpers: ShapeHelpers) {
    this.columns = columns;
    this.helpers = helpers;
  }

  /** Reads the line `text[start, end)` into the columns at `row` if it is of the last shape seen. */
  read(text: string, u: Uint16Array, start: number, end: number, row: number, flat: FlatRecord): boolean {
    return this.current?.(text, u, start, end, row, flat) === true;
  }

  /** Starts learning the shape of the line the plain reader is about to read. */
  start(): void {
    this.recording = this.unkept < MAX_UNKEPT;
    this.spans.length = 0;
    this.slots.length = 0;
    this.opened.length = 0;
    this.absent.length = 0;
  }

  /** The plain reader read a value of `slot` at `text[start, end)` (a struct's only when null). */
  value(start: number, end: number, slot: ShapeSlot): void {
    if (!this.recording) return;
    this.spans.push(start, end);
    this.slots.push(slot);
  }

  /** The plain reader entered a struct written as an object. */
  open(slot: ShapeSlot): void {
    if (this.recording) this.opened.push(slot);
  }

  /** The plain reader found a field absent from its object. */
  leftOut(slot: ShapeSlot): void {
    if (this.recording) this.absent.push(slot);
  }

  /** The plain reader read the line `u[start, end)` whole: its shape is the one tried first from now on. */
  learn(u: Uint16Array, start: number, end: number): void {
    if (!this.recording) return;
    this.recording = false;
    let valuesLength = 0;
    for (let i = 0; i < this.spans.length; i += 2) valuesLength += this.spans[i + 1]! - this.spans[i]!;
    if (end - start - valuesLength > MAX_SHAPE_TEXT) {
      this.unkept++;
      return;
    }
    const shape = this.shapeOf(u, start, end);
    const text = Buffer.from(shape.literals.buffer, shape.literals.byteOffset, shape.literals.byteLength).toString(
      "utf16le",
    );
    const key = `${text}\u0000${shape.slots.map(slotKey)}\u0000${shape.opened.map(slotKey)}\u0000${shape.absent.map(slotKey)}`;
    let reader = this.compiled.get(key);
    if (!reader) {
      if (this.compiled.size === MAX_SHAPES) {
        this.unkept++;
        return;
      }
      reader = compileShape(shape, this.columns, this.helpers);
      this.compiled.set(key, reader);
    }
    this.current = reader;
  }

  private shapeOf(u: Uint16Array, start: number, end: number): Shape {
    const { spans, slots } = this;
    const bounds = new Int32Array(slots.length + 2);
    const literals: number[] = [];
    let from = start;
    for (let i = 0; i <= slots.length; i++) {
      const to = i < slots.length ? spans[2 * i]! : end;
      for (let p = from; p < to; p++) literals.push(u[p]!);
      bounds[i + 1] = literals.length;
      if (i < slots.length) from = spans[2 * i + 1]!;
    }
    return {
      literals: Uint16Array.from(literals),
      bounds,
      slots: [...slots],
      opened: [...this.opened],
      absent: [...this.absent],
    };
  }
}

const slotKey = (slot: ShapeSlot) => `${slot.leaf}/${slot.struct}`;

// Code units of `null`, `true`, `false`.
const NULL = [110, 117, 108, 108];
const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];

// `u[p…]` is `codes`, as one condition.
const matches = (codes: ArrayLike<number>, from = 0, to = codes.length) => {
  const tests: string[] = [];
  for (let j = from; j < to; j++) tests.push(`u[p + ${j - from}] === ${codes[j]}`);
  return tests.join(" && ");
};

// The text between values is compared two code units at a time, as 32-bit words read through
// a DataView of the units' buffer (the plain reader's own, at offset 0): a unit at a time was
// the largest part of a shape's code (reading thread 2.16 -> 1.90 s, 1M car-telemetry lines,
// 9 alternating rounds). The words are read in the platform's byte order, the units' own.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const matchWords = (codes: ArrayLike<number>, from: number, to: number) => {
  const tests: string[] = [];
  let j = from;
  for (; j + 1 < to; j += 2) {
    const word = LITTLE_ENDIAN ? codes[j]! + codes[j + 1]! * 65536 : codes[j]! * 65536 + codes[j + 1]!;
    tests.push(`dv.getUint32(2 * p + ${2 * (j - from)}, ${LITTLE_ENDIAN}) === ${word}`);
  }
  if (j < to) tests.push(`u[p + ${j - from}] === ${codes[j]}`);
  return tests.join(" && ");
};

type ShapeFactory = (
  helpers: ShapeHelpers & { AS_WRITTEN: typeof AS_WRITTEN },
  slots: ShapeSlot[],
  leaves: ColumnBuffer[],
  structs: StructBuffer[],
) => ShapeReader;

// The code made for each shape, kept for the next files of that shape (a Lambda converts many):
// their readers are closures of one function, which V8 has already optimized, instead of new
// code run by the interpreter until it is hot. Bounded, as shapes come from the files.
const factories = new Map<string, ShapeFactory>();
const MAX_FACTORIES = 64;

/**
 * Code that reads the JSON number at `p` into `n` and moves `p` past it, or returns false. The
 * common number (no exponent, up to 15 significant digits) is computed in place, exactly as the
 * plain reader's `readNumber` computes it; any other goes to that function. Calling it for every
 * number was a tenth of the reading thread (1M car-telemetry lines, CPU profile).
 */
function readNumber(integer: boolean): string[] {
  return [
    "q = p; if (u[q] === 45) q++;",
    "c = u[q]; if (c < 48 || c > 57) return false;",
    "m = 0; d = 0; k = 0;",
    "if (c === 48) c = u[++q]; else do { m = m * 10 + (c - 48); d++; c = u[++q]; } while (c >= 48 && c <= 57);",
    integer
      ? "if (c === 46 || c === 101 || c === 69 || d > H.MAX_EXACT_DIGITS) return false;"
      : [
          "if (c === 46) {",
          "c = u[++q];",
          "while (c >= 48 && c <= 57) { m = m * 10 + (c - 48); if (m !== 0) d++; k++; c = u[++q]; }",
          "if (k === 0) return false;",
          "}",
          "if (c === 101 || c === 69 || d > H.MAX_EXACT_DIGITS || k >= H.EXACT_POWERS.length) {",
          `p = H.readNumber(text, u, p, end, false); if (p === -1) return false; n = H.number();`,
          "} else {",
        ].join("\n"),
    "if (c !== 44 && c !== 125 && c !== 32) return false;",
    "n = k === 0 ? m : m / H.EXACT_POWERS[k];",
    "if (u[p] === 45) n = -n;",
    "p = q;",
    integer ? "" : "}",
  ].filter(Boolean);
}

/**
 * Code that finds the closing quote of the string whose opening quote is at `p`, leaving it in
 * `q` (and, when `hashed`, the FNV-1a of the text in `h`), or returns false: an escape or a
 * control character leaves the line to the general path, as in the plain reader.
 */
function scanString(hashed: boolean): string[] {
  const hash = hashed ? `h = Math.imul(h ^ c, ${FNV_PRIME}); ` : "";
  return [
    "q = p + 1;",
    hashed ? `h = ${FNV_OFFSET};` : "",
    `for (;;) { c = u[q]; if (c === 34) break; if (c === 92 || c < 32) return false; ${hash}q++; }`,
    "if (q >= end) return false;",
  ].filter(Boolean);
}

/**
 * Makes the reader of one shape. Numbers and booleans are stored as they are read (a later
 * mismatch leaves nothing wrong: the row is written again by whichever path reads the line);
 * text values, whose dictionaries would keep them, are stored only once the line has matched.
 */
function compileShape(shape: Shape, columns: RowColumns, helpers: ShapeHelpers): ShapeReader {
  const body: string[] = [
    "let p = start, q = 0, c = 0, n = 0, m = 0, d = 0, k = 0, h = 0;",
    "if (u.buffer !== dvBuffer) { dvBuffer = u.buffer; dv = new DataView(dvBuffer); }",
  ];
  const commit: string[] = [];
  const leaf = (slot: ShapeSlot) => `L${slot.leaf}`;
  for (let i = 0; ; i++) {
    const from = shape.bounds[i]!;
    const to = shape.bounds[i + 1]!;
    if (to > from)
      body.push(
        `if (p + ${to - from} > end || !(${matchWords(shape.literals, from, to)})) return false;`,
        `p += ${to - from};`,
      );
    if (i === shape.slots.length) break;
    const slot = shape.slots[i]!;
    const value: string[] = [];
    if (slot.kind === "struct") {
      // A struct's value is in the shape only when null: written as an object, its keys are text of the shape.
      body.push(`if (!(${matches(NULL)})) return false;`, "p += 4;");
      commit.push(`S${slot.struct}.set(row, null);`);
      continue;
    }
    switch (slot.kind) {
      case "string":
        // The value is hashed as it is scanned, for its column's dictionary (hashUnits).
        value.push("if (u[p] !== 34) return false;", ...scanString(true));
        if (slot.required)
          value.push(
            "c = q > p + 1 ? u[p + 1] : 32;",
            "if ((c <= 32 || c > 126) && text.slice(p + 1, q).trim() === '') return false;",
          );
        value.push(`s${i} = p + 1; e${i} = q; h${i} = h;`, "p = q + 1;");
        commit.push(
          `${slot.required ? "" : `if (s${i} === -1) ${leaf(slot)}.set(row, null); else `}${leaf(slot)}.setHashedUnits(row, text, u, s${i}, e${i}, h${i});`,
        );
        break;
      case "double":
      case "integer":
        value.push(...readNumber(slot.kind === "integer"), `${leaf(slot)}.set(row, n);`);
        break;
      case "boolean":
        value.push(
          `if (${matches(TRUE)}) { ${leaf(slot)}.set(row, true); p += 4; }`,
          `else if (${matches(FALSE)}) { ${leaf(slot)}.set(row, false); p += 5; }`,
          "else return false;",
        );
        break;
      case "list":
        value.push("return false;"); // only an absent list is plain: null, below
        break;
      case "time":
        // An ISO timestamp of the common shape is kept as written; any other value is read by
        // the plain reader's own reading, into `flat`.
        if (slot.common)
          value.push(
            "if (u[p] === 34) {",
            ...scanString(false),
            `if (T${i}(u, p + 1, q - p - 1)) { s${i} = p + 1; e${i} = q; p = q + 1; }`,
            "}",
            `if (s${i} === -1) {`,
          );
        value.push(`p = H.readValue(text, u, p, end, slots[${i}], flat);`, "if (p === -1) return false;");
        if (slot.common) value.push("}");
        commit.push(
          `if (s${i} !== -1) ${leaf(slot)}.setUnits(row, text, u, s${i}, e${i});`,
          `else if (flat.values[${slot.leaf}] === H.AS_WRITTEN) ${leaf(slot)}.setUnits(row, text, u, flat.starts[${slot.leaf}], flat.ends[${slot.leaf}]);`,
          `else ${leaf(slot)}.set(row, flat.values[${slot.leaf}]);`,
        );
        break;
    }
    // A text value's span, kept until the line has matched (-1: none, or null).
    if (slot.kind === "string") body.push(`let s${i} = -1, e${i} = -1, h${i} = 0;`);
    else if (slot.kind === "time") body.push(`let s${i} = -1, e${i} = -1;`);
    if (slot.required) body.push(...value);
    else {
      // An optional value may be null: a number or boolean is stored now, text at the end.
      const none =
        slot.kind === "string"
          ? ""
          : slot.kind === "time"
            ? `flat.values[${slot.leaf}] = null;`
            : `${leaf(slot)}.set(row, null);`;
      body.push(`if (${matches(NULL)}) { p += 4; ${none} }`, "else {", ...value, "}");
    }
  }
  body.push("if (p !== end) return false;");
  for (const struct of shape.opened) body.push(`S${struct.struct}.setPresent(row);`);
  body.push(...commit);
  for (const slot of shape.absent)
    body.push(slot.kind === "struct" ? `S${slot.struct}.set(row, null);` : `${leaf(slot)}.set(row, null);`);
  body.push("return true;");
  // One constant per column, so each call site sees one buffer and is inlined.
  const names = [
    ...columns.leaves.map((_, i) => `L${i} = leaves[${i}]`),
    ...columns.structs.map((_, i) => `S${i} = structs[${i}]`),
    ...shape.slots.flatMap((slot, i) => (slot.kind === "time" && slot.common ? [`T${i} = slots[${i}].common`] : [])),
  ];
  const source = `const ${names.join(", ")};\nlet dvBuffer = null, dv = null;\nreturn (text, u, start, end, row, flat) => {\n${body.filter(Boolean).join("\n")}\n};`;
  let make = factories.get(source);
  if (!make) {
    make = new Function("H", "slots", "leaves", "structs", source) as ShapeFactory;
    if (factories.size < MAX_FACTORIES) factories.set(source, make);
  }
  return make({ ...helpers, AS_WRITTEN }, shape.slots, columns.leaves, columns.structs);
}
