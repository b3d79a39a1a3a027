import type { Field } from "../dataset/spec";
import { sourceKey } from "../dataset/spec";
import { hasDuplicateKey } from "./duplicate-key";
import type { RawValue } from "./splitter";
import { fieldsReader, parseExact } from "./values";

/** A record that passed every check, ready for bronze. */
export interface AcceptedRecord {
  ok: true;
  record: Record<string, unknown>;
  /** JSON text of the fields the spec does not know (at any depth), or null. */
  extra: string | null;
  /** The paths of the values taken as their JSON text (a number in a string field), one per value. */
  coerced: string[];
}

/** A record that failed a check, with the reason quarantine will show. */
export interface RejectedRecord {
  ok: false;
  reason: string;
}

interface KnownFields {
  [name: string]: KnownFields | true;
}

// Names that could walk a path, break a column name or touch an object's prototype.
const UNSAFE_NAME = /[\u0000-\u001f/\\]|\.\./;

// Whether a parsed value holds an integer beyond 2^53 (JSON.parse rounded it; its text did not).
function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === "number") return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (value === null || typeof value !== "object") return false;
  for (const key in value) if (hasUnsafeInteger((value as Record<string, unknown>)[key])) return true;
  return false;
}

/**
 * Checks and normalises raw records of one dataset: JSON syntax, object shape, size and
 * depth limits, duplicate keys, safe field names, finite numbers, then each known field's
 * type (`values.ts`). Unknown fields are collected as `_extra` JSON text, numbers as written.
 * @example
 * const check = recordChecker(carTelemetry.fields);
 * const result = check(rawValue); // { ok: true, record, extra } | { ok: false, reason }
 */
export function recordChecker(
  fields: Field[],
  { maxDepth = 32, maxRecordChars = 1024 * 1024 }: { maxDepth?: number; maxRecordChars?: number } = {},
): (raw: RawValue) => AcceptedRecord | RejectedRecord {
  const readFields = fieldsReader(fields);
  const known = knownFields(fields);
  return (raw) => {
    if (raw.oversized) return reject(`record is ${raw.length} characters, over the limit of ${maxRecordChars}`);
    if (raw.tooDeep) return reject(tooDeep(maxDepth));
    let value: unknown = raw.parsed;
    if (value === undefined) {
      try {
        value = JSON.parse(raw.text);
      } catch (error) {
        return reject(`invalid JSON: ${(error as Error).message}`);
      }
    }
    if (value === null || typeof value !== "object" || Array.isArray(value))
      return reject(`record is not a JSON object (got ${describe(value)})`);
    let record = value as Record<string, unknown>;
    let { keys, unknown, problem } = inspect(record, maxDepth, known);
    if (problem) return reject(problem);
    if (hasDuplicateKey(raw.text, raw.writtenKeys, keys))
      return reject("record has a duplicate key (JSON.parse would keep only the last value)");
    let read = readFields(record, false);
    // Numbers as written: for a value that needs its text (a number in a string field, an
    // integer beyond 2^53), and for `_extra` when it holds an integer JSON.parse rounded.
    if (read.needsSource || (unknown !== undefined && hasUnsafeInteger(unknown))) {
      record = parseExact(raw.text) as Record<string, unknown>;
      read = readFields(record, true);
      ({ unknown } = inspect(record, maxDepth, known));
    }
    if (!read.record)
      return reject(`schema: ${read.issues.slice(0, 3).join("; ")}${read.issues.length > 3 ? "; and more" : ""}`);
    return {
      ok: true,
      record: read.record,
      extra: unknown === undefined ? null : JSON.stringify(unknown),
      coerced: read.coerced,
    };
  };
}

function reject(reason: string): RejectedRecord {
  return { ok: false, reason };
}

// Same wording whether the splitter or the walk finds the depth, whichever path the record took.
function tooDeep(maxDepth: number): string {
  return `record is nested deeper than ${maxDepth} levels`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** What one pass over a parsed record found. */
interface Inspection {
  /** Keys of every object in the record, at any depth (for the duplicate-key check). */
  keys: number;
  /** The fields the spec does not know, at any depth, or undefined. */
  unknown: Record<string, unknown> | undefined;
  /** The first unsafe name, non-finite number or too deep a value, with its path; undefined when none. */
  problem: string | undefined;
}

// One pass over the record: counts the keys of every object, finds unsafe names and
// non-finite numbers, and collects the fields the spec does not know. Depth is already
// bounded by the splitter.
function inspect(record: Record<string, unknown>, maxDepth: number, known: KnownFields): Inspection {
  const walk = new RecordWalk(maxDepth);
  const unknown = walk.knownObject(record, 1, known);
  const { keys, problem } = walk;
  return { keys, unknown, problem: problem === undefined ? undefined : walk.describe(problem) };
}

const TOO_DEEP = "too deep";

// The state of one record's walk. Its methods return what they found (a problem, or the
// unknown fields) and count keys as they go; the path of a problem is assembled only when
// there is one, as the walk unwinds.
class RecordWalk {
  keys = 0;
  problem: string | undefined;
  // Steps from the problem up to the record, innermost first.
  private readonly path: string[] = [];

  constructor(private readonly maxDepth: number) {}

  // An object the spec describes: returns its fields the spec does not know (checked like
  // any value), or sets `problem`. Known keys need no name check: the spec's names are safe.
  knownObject(object: Record<string, unknown>, depth: number, known: KnownFields): Record<string, unknown> | undefined {
    let extra: Record<string, unknown> | undefined;
    for (const key in object) {
      this.keys++;
      const spec = known[key];
      const value = object[key];
      let problem: string | undefined;
      if (spec === undefined) {
        problem = safeName(key) ? this.anyValue(value, depth + 1) : `unsafe field name ${JSON.stringify(key)}`;
        extra ??= {};
        extra[key] = value;
      } else if (spec !== true && value !== null && typeof value === "object" && !Array.isArray(value)) {
        const nested = this.knownObject(value as Record<string, unknown>, depth + 1, spec);
        problem = this.problem;
        if (nested) {
          extra ??= {};
          extra[key] = nested;
        }
      } else {
        problem = this.anyValue(value, depth + 1);
      }
      if (problem) {
        this.problem = problem;
        this.path.push(key);
        return undefined;
      }
    }
    return extra;
  }

  // Any value: returns its first problem, or undefined.
  anyValue(value: unknown, depth: number): string | undefined {
    if (typeof value === "number") return Number.isFinite(value) ? undefined : "number is not finite";
    if (value === null || typeof value !== "object") return undefined;
    if (depth > this.maxDepth) return TOO_DEEP;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = this.anyValue(value[i], depth + 1);
        if (problem) {
          this.path.push(`[${i}]`);
          return problem;
        }
      }
      return undefined;
    }
    for (const key in value) {
      this.keys++;
      if (!safeName(key)) return `unsafe field name ${JSON.stringify(key)}`;
      const problem = this.anyValue((value as Record<string, unknown>)[key], depth + 1);
      if (problem) {
        this.path.push(key);
        return problem;
      }
    }
    return undefined;
  }

  // The problem as quarantine shows it, e.g. `metrics.trip[2]: number is not finite`.
  describe(problem: string): string {
    if (problem === TOO_DEEP) return tooDeep(this.maxDepth);
    let where = "";
    for (let i = this.path.length - 1; i >= 0; i--) {
      const step = this.path[i]!;
      where = step.startsWith("[") || !where ? where + step : `${where}.${step}`;
    }
    return where ? `${where}: ${problem}` : problem;
  }
}

// Field names repeat across records: remember the verdicts (bounded) instead of re-testing.
const nameVerdicts = new Map<string, boolean>();
/**
 * Whether a key may be a field name: not empty, no path or control characters, not `__proto__`.
 * @param key a record's key
 */
export function safeName(key: string): boolean {
  let safe = nameVerdicts.get(key);
  if (safe === undefined) {
    safe = key !== "" && key !== "__proto__" && !UNSAFE_NAME.test(key);
    if (nameVerdicts.size < 10_000) nameVerdicts.set(key, safe);
  }
  return safe;
}

// The spec's keys (each field's `from`, else its name), as a tree. A key that is not safe
// (a spec may name a field `__proto__`) is left out, so the records' keys of that name are
// checked like unknown ones. A list is one value: keys its struct items do not name are not kept.
function knownFields(fields: Field[]): KnownFields {
  const known: KnownFields = Object.create(null) as KnownFields;
  for (const field of fields) {
    const key = sourceKey(field);
    if (safeName(key)) known[key] = field.type === "struct" ? knownFields(field.fields) : true;
  }
  return known;
}
