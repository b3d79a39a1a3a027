import type { z } from "zod";
import { recordPredicate, recordSchema } from "../dataset/schema";
import type { Field } from "../dataset/spec";
import type { RawValue } from "./splitter";
import { countKeyColons } from "./splitter";

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
    if (raw.tooDeep) return reject(`record is nested deeper than ${maxDepth} levels`);
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
    const problem = inspect(value as Record<string, unknown>, maxDepth, known);
    if (problem) return reject(problem);
    if (keyCount !== raw.colons && (raw.exactColons || keyCount !== countKeyColons(raw.text))) {
      return reject("record has a duplicate key (JSON.parse would keep only the last value)");
    }
    if (!valid(value as Record<string, unknown>)) {
      const result = schema.safeParse(value);
      if (!result.success) return reject(formatIssues(result.error.issues));
    }
    const record = value as Record<string, unknown>;
    return { ok: true, record, extra: unknown === undefined ? null : JSON.stringify(unknown) };
  };
}

function reject(reason: string): RejectedRecord {
  return { ok: false, reason };
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

// One pass over the record: counts the keys of every object (to compare with the splitter's
// `:` count), finds unsafe names and non-finite numbers, and collects the fields the spec
// does not know (at any depth) into `unknown`. Depth is already bounded by the splitter.
let keyCount = 0;
let unknown: Record<string, unknown> | undefined;
let problem: string | undefined;
const TOO_DEEP = "too deep";
// The path of a problem is assembled only when there is one, as the walk unwinds.
let problemPath: string[] = [];
function inspect(root: Record<string, unknown>, maxDepth: number, known: KnownFields): string | undefined {
  keyCount = 0;
  problemPath = [];
  problem = undefined;
  unknown = walkKnown(root, 1, maxDepth, known);
  if (!problem) return undefined;
  // Same wording as when the splitter finds the depth, whichever path the record took.
  if (problem === TOO_DEEP) return `record is nested deeper than ${maxDepth} levels`;
  const where = problemPath.reduce(
    (path, step) => (step.startsWith("[") || !path ? path + step : `${path}.${step}`),
    "",
  );
  return where ? `${where}: ${problem}` : problem;
}

// An object the spec describes: returns its fields the spec does not know (checked like
// any value), or sets `problem`. Known keys need no name check: the spec's names are safe.
function walkKnown(
  object: Record<string, unknown>,
  depth: number,
  maxDepth: number,
  known: KnownFields,
): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key in object) {
    keyCount++;
    const spec = known[key];
    const value = object[key];
    if (spec === undefined) {
      problem = safeName(key) ? walk(value, depth + 1, maxDepth) : `unsafe field name ${JSON.stringify(key)}`;
      extra ??= {};
      extra[key] = value;
    } else if (spec !== true && value !== null && typeof value === "object" && !Array.isArray(value)) {
      const nested = walkKnown(value as Record<string, unknown>, depth + 1, maxDepth, spec);
      if (nested) {
        extra ??= {};
        extra[key] = nested;
      }
    } else {
      problem = walk(value, depth + 1, maxDepth);
    }
    if (problem) {
      problemPath.unshift(key);
      return undefined;
    }
  }
  return extra;
}

function walk(value: unknown, depth: number, maxDepth: number): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : "number is not finite";
  if (value === null || typeof value !== "object") return undefined;
  if (depth > maxDepth) return TOO_DEEP;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = walk(value[i], depth + 1, maxDepth);
      if (problem) {
        problemPath.unshift(`[${i}]`);
        return problem;
      }
    }
    return undefined;
  }
  for (const key in value) {
    keyCount++;
    if (!safeName(key)) return `unsafe field name ${JSON.stringify(key)}`;
    const problem = walk((value as Record<string, unknown>)[key], depth + 1, maxDepth);
    if (problem) {
      problemPath.unshift(key);
      return problem;
    }
  }
  return undefined;
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
