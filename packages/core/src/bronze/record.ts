import type { z } from "zod";
import { recordPredicate, recordSchema } from "../dataset/schema";
import type { Field } from "../dataset/spec";
import { hasDuplicateKey } from "./duplicate-key";
import type { RawValue } from "./splitter";

/** A record that passed every check, ready for bronze. */
export interface AcceptedRecord {
  ok: true;
  record: Record<string, unknown>;
  /** JSON text of the fields the spec does not know (at any depth), or null. */
  extra: string | null;
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

/**
 * Checks and normalises raw records of one dataset: JSON syntax, object shape, size and
 * depth limits, duplicate keys, safe field names, finite numbers, then the zod schema
 * derived from the spec's fields. Unknown fields are collected as `_extra` JSON text.
 * @example
 * const check = recordChecker(carTelemetry.fields);
 * const result = check(rawValue); // { ok: true, record, extra } | { ok: false, reason }
 */
export function recordChecker(
  fields: Field[],
  { maxDepth = 32, maxRecordChars = 1024 * 1024 }: { maxDepth?: number; maxRecordChars?: number } = {},
): (raw: RawValue) => AcceptedRecord | RejectedRecord {
  const schema = recordSchema(fields);
  // zod is the judge; the predicate only spares it the records that are plainly valid.
  const valid = recordPredicate(fields);
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
    const record = value as Record<string, unknown>;
    const { keys, unknown, problem } = inspect(record, maxDepth, known);
    if (problem) return reject(problem);
    if (hasDuplicateKey(raw.text, raw.writtenKeys, keys))
      return reject("record has a duplicate key (JSON.parse would keep only the last value)");
    if (!valid(record)) {
      const result = schema.safeParse(record);
      if (!result.success) return reject(formatIssues(result.error.issues));
    }
    return { ok: true, record, extra: unknown === undefined ? null : JSON.stringify(unknown) };
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

function formatIssues(issues: z.core.$ZodIssue[]): string {
  const shown = issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(record)"}: ${issue.message}`);
  if (issues.length > 3) shown.push(`and ${issues.length - 3} more`);
  return `schema: ${shown.join("; ")}`;
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

// The spec's field names, as a tree. A name that is not safe (a spec may name a field
// `__proto__`) is left out, so the records' keys of that name are checked like unknown ones.
function knownFields(fields: Field[]): KnownFields {
  const known: KnownFields = Object.create(null) as KnownFields;
  for (const field of fields)
    if (safeName(field.name)) known[field.name] = field.type === "struct" ? knownFields(field.fields) : true;
  return known;
}
