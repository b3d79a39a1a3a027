import type { Field, ValueType } from "../dataset/spec";
import { sourceKey } from "../dataset/spec";
import type { Rejection, TimeReader } from "./time";
import { dateReader, timestampReader } from "./time";

// The one judge of a record's known fields: each value checked against its field's type and
// turned into what bronze stores (keys renamed from `from` to `name`, integers exact, times in
// ISO text, numbers and booleans in string fields as their JSON text). Everything the plain
// line reader claims, this accepts with the same values (plain-line.test.ts).

// JSON.parse's source-text access (Node 22): not in TypeScript's ES2023 lib yet.
interface RawJson {
  readonly rawJSON: string;
}
type ReviverContext = { source?: string };
const json = JSON as unknown as {
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): value is RawJson;
  parse(
    text: string,
    reviver: (this: unknown, key: string, value: unknown, context: ReviverContext) => unknown,
  ): unknown;
};

/**
 * Parses JSON keeping every number exactly as written: a number whose text is not the
 * shortest spelling of its double (`1.50`, `1e3`, `12345678901234567890`) is kept as a raw
 * JSON value (JSON.stringify writes its text back unchanged).
 * @param text JSON text
 */
export function parseExact(text: string): unknown {
  return json.parse(text, (_key, value, context) =>
    typeof value === "number" && context.source !== undefined && String(value) !== context.source
      ? json.rawJSON(context.source)
      : value,
  );
}

/** What reading one record's known fields found. */
export interface ReadFields {
  /**
   * The record as bronze stores it, when every field passed: a copy keyed by the fields' names
   * when a key was renamed or a value changed, else the record itself (bronze reads only the
   * fields' names; an absent field is undefined or null).
   */
  record: Record<string, unknown> | undefined;
  /** Up to four problems, each `path: reason`. */
  issues: string[];
  /** The paths (`properties.title`, `tags[]`) of the values taken as their JSON text, one per value. */
  coerced: string[];
  /**
   * A value needs the number's text as written (a number in a string field, an integer beyond
   * 2^53): read the record again from {@link parseExact}.
   */
  needsSource: boolean;
  /** The record came from {@link parseExact}: a plain number is written as its shortest spelling. */
  exact: boolean;
}

const FAIL: unique symbol = Symbol("fail");
type Reader = (value: unknown, read: ReadFields) => unknown;

const MAX_ISSUES = 4;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function issue(read: ReadFields, path: string, reason: string): typeof FAIL {
  if (read.issues.length < MAX_ISSUES) read.issues.push(`${path}: ${reason}`);
  return FAIL;
}

const describe = (value: unknown): string => {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (json.isRawJSON(value)) return `the number ${value.rawJSON}`;
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  return `an ${typeof value}`;
};

/**
 * The exact integer a JSON number's text writes (`12`, `1.0`, `1e3`, `-9223372036854775808`),
 * or a reason: a fraction, or outside the signed 64-bit range.
 * @param text a JSON number's text
 */
export function exactInteger(text: string): bigint | string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return `${text} is not a number`;
  const [, sign, whole, fraction = "", exponentText = "0"] = match;
  const exponent = Number(exponentText);
  if (exponent > 40) return `${text} is outside the 64-bit integer range`;
  let digits = whole! + fraction;
  let scale = exponent - fraction.length; // value = digits × 10^scale
  if (scale < 0) {
    const cut = digits.length + scale;
    const dropped = cut > 0 ? digits.slice(cut) : digits;
    if (/[1-9]/.test(dropped)) return `${text} has a fraction`;
    digits = cut > 0 ? digits.slice(0, cut) : "0";
    scale = 0;
  }
  const value = BigInt(digits + "0".repeat(scale)) * (sign === "-" ? -1n : 1n);
  if (value < INT64_MIN || value > INT64_MAX) return `${text} is outside the 64-bit integer range`;
  return value;
}

// An integer as bronze's values hold it: a number while exact, else a bigint.
const integerValue = (value: bigint): number | bigint =>
  value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;

function valueReader(type: ValueType, path: string, required: boolean): Reader {
  switch (type.type) {
    case "string":
      return (value, read) => {
        if (typeof value === "string") {
          if (required && value.trim() === "") return issue(read, path, "required, but blank");
          return value;
        }
        // A number or boolean is taken as its JSON text, as written.
        if (typeof value === "boolean") {
          read.coerced.push(path);
          return String(value);
        }
        if (json.isRawJSON(value)) {
          read.coerced.push(path);
          return value.rawJSON;
        }
        if (typeof value === "number") {
          if (read.exact) {
            read.coerced.push(path);
            return String(value);
          }
          read.needsSource = true;
          return FAIL;
        }
        return issue(read, path, `expected a string, got ${describe(value)}`);
      };
    case "double":
      return (value, read) => {
        if (typeof value === "number") return value;
        if (json.isRawJSON(value)) return Number(value.rawJSON);
        return issue(read, path, `expected a number, got ${describe(value)}`);
      };
    case "integer":
      return (value, read) => {
        if (typeof value === "number") {
          if (Number.isSafeInteger(value)) return value;
          if (!Number.isInteger(value))
            return issue(read, path, `expected an integer, got ${value} (it has a fraction)`);
          if (read.exact) return integerValue(BigInt(value));
          read.needsSource = true;
          return FAIL;
        }
        if (json.isRawJSON(value)) {
          const exact = exactInteger(value.rawJSON);
          return typeof exact === "string"
            ? issue(read, path, `expected a 64-bit integer: ${exact}`)
            : integerValue(exact);
        }
        return issue(read, path, `expected an integer, got ${describe(value)}`);
      };
    case "boolean":
      return (value, read) =>
        typeof value === "boolean" ? value : issue(read, path, `expected a boolean, got ${describe(value)}`);
    case "timestamp":
    case "date": {
      const time: TimeReader = type.type === "timestamp" ? timestampReader(type) : dateReader(type);
      return (value, read) => {
        const result = time(json.isRawJSON(value) ? Number(value.rawJSON) : value);
        return typeof result === "string" ? result : issue(read, path, (result as Rejection).reason);
      };
    }
    case "struct":
      return objectReader(type.fields, `${path}.`);
    case "list": {
      const item = valueReader(type.items, `${path}[]`, false);
      return (value, read) => {
        if (!Array.isArray(value)) return issue(read, path, `expected a list, got ${describe(value)}`);
        // The array itself while no item changes; a copy from the first that does.
        let out: unknown[] | undefined;
        for (let i = 0; i < value.length; i++) {
          const element = value[i];
          if (element === null || element === undefined) {
            if (out) out[i] = null;
            continue;
          }
          const before = read.issues.length;
          const result = item(element, read);
          if (result === FAIL) {
            // Name the item: `coordinates[2]: …` rather than `coordinates[]: …`.
            const last = read.issues.length - 1;
            if (last >= before) read.issues[last] = read.issues[last]!.replace(`${path}[]`, `${path}[${i}]`);
            return FAIL;
          }
          if (out === undefined && result !== element) out = value.slice(0, i);
          if (out) out[i] = result;
        }
        return out ?? value;
      };
    }
  }
}

function objectReader(fields: Field[], prefix: string): Reader {
  const slots = fields.map((field) => {
    const key = sourceKey(field);
    const path = `${prefix}${key}`;
    const required = field.required === true;
    return { key, name: field.name, path, required, read: valueReader(field, path, required) };
  });
  const where = prefix.slice(0, -1);
  const renames = slots.some((slot) => slot.key !== slot.name);
  return (value, read) => {
    if (value === null || typeof value !== "object" || Array.isArray(value) || json.isRawJSON(value))
      return issue(read, where, `expected an object, got ${describe(value)}`);
    const object = value as Record<string, unknown>;
    // The object itself stands for bronze's when no key is renamed and no value changed (the
    // usual case: no copy); a copy of the known fields is made at the first change.
    let out: Record<string, unknown> | undefined = renames ? {} : undefined;
    let failed = false;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      const raw = object[slot.key];
      let result: unknown;
      if (raw === undefined || raw === null) {
        if (slot.required) {
          issue(read, slot.path, "required, but missing");
          failed = true;
        }
        result = null;
      } else {
        result = slot.read(raw, read);
        if (result === FAIL) {
          failed = true;
          continue;
        }
      }
      if (out === undefined && result !== raw && !(result === null && raw === undefined)) {
        out = {};
        for (let j = 0; j < i; j++) out[slots[j]!.name] = object[slots[j]!.key] ?? null;
      }
      if (out !== undefined) out[slot.name] = result;
    }
    return failed ? FAIL : (out ?? object);
  };
}

/**
 * Compiles the reader of a record's known fields (see {@link ReadFields}).
 * @param fields the spec's fields
 * @example const read = fieldsReader(spec.fields); const { record, issues } = read(JSON.parse(line), false);
 */
export function fieldsReader(fields: Field[]): (record: Record<string, unknown>, exact: boolean) => ReadFields {
  const root = objectReader(fields, "");
  return (record, exact) => {
    const read: ReadFields = { record: undefined, issues: [], coerced: [], needsSource: false, exact };
    const result = root(record, read);
    if (result !== FAIL) read.record = result as Record<string, unknown>;
    return read;
  };
}
