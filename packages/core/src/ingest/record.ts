import type { z } from "zod";
import { recordPredicate, recordSchema } from "../dataset/schema";
import type { Field } from "../dataset/spec";
import { countKeyColons } from "./splitter";
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
    if (raw.tooDeep) return reject(`record is nested deeper than ${maxDepth} levels`);
    let value: unknown = raw.parsed;
    if (value === undefined) {
      try {
        value = JSON.parse(raw.text);
      } catch (error) {
        return reject(`invalid JSON: ${(error as Error).message}`);
      }
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) return reject(`record is not a JSON object (got ${describe(value)})`);
    const problem = inspect(value as Record<string, unknown>, maxDepth);
    if (problem) return reject(problem);
    if (keyCount !== raw.colons && (raw.exactColons || keyCount !== countKeyColons(raw.text))) {
      return reject("record has a duplicate key (JSON.parse would keep only the last value)");
    }
    if (!valid(value as Record<string, unknown>)) {
      const result = schema.safeParse(value);
      if (!result.success) return reject(formatIssues(result.error.issues));
    }
    const record = value as Record<string, unknown>;
    const extra = unknownFields(record, known);
    return { ok: true, record, extra: extra === undefined ? null : JSON.stringify(extra) };
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
  const shown = issues.slice(0, 3).map((issue) => `${issue.path.length ? issue.path.join(".") : "(record)"}: ${issue.message}`);
  if (issues.length > 3) shown.push(`and ${issues.length - 3} more`);
  return `schema: ${shown.join("; ")}`;
}

// Counts keys of every object in the value (to compare with the splitter's `:` count) and
// finds unsafe names and non-finite numbers. Depth is already bounded by the splitter.
let keyCount = 0;
const TOO_DEEP = "too deep";
// The path of a problem is assembled only when there is one, as `walk` unwinds.
let problemPath: string[] = [];
function inspect(root: Record<string, unknown>, maxDepth: number): string | undefined {
  keyCount = 0;
  problemPath = [];
  const problem = walk(root, 1, maxDepth);
  if (!problem) return undefined;
  // Same wording as when the splitter finds the depth, whichever path the record took.
  if (problem === TOO_DEEP) return `record is nested deeper than ${maxDepth} levels`;
  const where = problemPath.reduce((path, step) => (step.startsWith("[") || !path ? path + step : `${path}.${step}`), "");
  return where ? `${where}: ${problem}` : problem;
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
function safeName(key: string): boolean {
  let safe = nameVerdicts.get(key);
  if (safe === undefined) {
    safe = key !== "" && key !== "__proto__" && !UNSAFE_NAME.test(key);
    if (nameVerdicts.size < 10_000) nameVerdicts.set(key, safe);
  }
  return safe;
}

function knownFields(fields: Field[]): KnownFields {
  const known: KnownFields = Object.create(null) as KnownFields;
  for (const field of fields) known[field.name] = field.type === "struct" ? knownFields(field.fields) : true;
  return known;
}

// The record minus the known fields, recursing into known structs; undefined when nothing is left.
function unknownFields(record: Record<string, unknown>, known: KnownFields): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key in record) {
    const spec = known[key];
    const value = record[key];
    if (spec === undefined) {
      (extra ??= {})[key] = value;
    } else if (spec !== true && value !== null && typeof value === "object") {
      const nested = unknownFields(value as Record<string, unknown>, spec);
      if (nested) (extra ??= {})[key] = nested;
    }
  }
  return extra;
}
