import { safeName } from "../bronze/record";
import { compilePattern, dateReader, timestampReader } from "../bronze/time";
import { parseExact } from "../bronze/values";
import type { DatasetSpec, Field, ValueType } from "./spec";

// Drafting a spec from sample records, as DuckDB's read_json_auto or a Glue crawler infers a
// schema, but into a reviewable file: every guess is said in a comment beside what it made.

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const json = JSON as unknown as { isRawJSON(value: unknown): value is { rawJSON: string } };

/** What was seen of one key across the sampled records (or of a list's items). */
interface Seen {
  /** Records (or items) in which the value was present and not null. */
  present: number;
  /** Of the records holding the enclosing object, how many had this key non-null. */
  nulls: number;
  booleans: number;
  integers: number;
  /** Integers beyond 2^53 (kept exact from their text). */
  bigIntegers: number;
  fractions: number;
  strings: string[];
  blankStrings: number;
  objects: Map<string, Seen> | undefined;
  objectCount: number;
  lists: Seen | undefined;
  listCount: number;
  /** Up to a few hundred distinct values (as text), to spot a key. */
  distinct: Set<string>;
  numbers: number[];
}

const emptySeen = (): Seen => ({
  present: 0,
  nulls: 0,
  booleans: 0,
  integers: 0,
  bigIntegers: 0,
  fractions: 0,
  strings: [],
  blankStrings: 0,
  objects: undefined,
  objectCount: 0,
  lists: undefined,
  listCount: 0,
  distinct: new Set(),
  numbers: [],
});

const SAMPLE_VALUES = 500;

function observe(seen: Seen, value: unknown): void {
  if (value === null || value === undefined) {
    seen.nulls++;
    return;
  }
  seen.present++;
  if (seen.distinct.size < SAMPLE_VALUES * 4)
    seen.distinct.add(json.isRawJSON(value) ? value.rawJSON : typeof value === "object" ? "[object]" : String(value));
  if (json.isRawJSON(value)) {
    // A number whose text JSON.parse would not give back: an integer beyond 2^53, or `1.50`.
    if (/^-?\d+$/.test(value.rawJSON)) {
      seen.integers++;
      if (!Number.isSafeInteger(Number(value.rawJSON))) seen.bigIntegers++;
    } else seen.fractions++;
    if (seen.numbers.length < SAMPLE_VALUES) seen.numbers.push(Number(value.rawJSON));
    return;
  }
  switch (typeof value) {
    case "boolean":
      seen.booleans++;
      return;
    case "number":
      if (Number.isInteger(value)) seen.integers++;
      else seen.fractions++;
      if (seen.numbers.length < SAMPLE_VALUES) seen.numbers.push(value);
      return;
    case "string":
      if (value.trim() === "") seen.blankStrings++;
      if (seen.strings.length < SAMPLE_VALUES) seen.strings.push(value);
      return;
  }
  if (Array.isArray(value)) {
    seen.listCount++;
    seen.lists ??= emptySeen();
    for (const item of value) observe(seen.lists, item);
    return;
  }
  seen.objectCount++;
  seen.objects ??= new Map();
  observeObject(seen.objects, value as Record<string, unknown>);
}

function observeObject(keys: Map<string, Seen>, object: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(object)) {
    let seen = keys.get(key);
    if (!seen) {
      seen = emptySeen();
      keys.set(key, seen);
    }
    observe(seen, value);
  }
}

/** A drafted field, what the draft says about it, and its struct's fields drafted likewise. */
interface DraftField {
  field: Field;
  notes: string[];
  children: DraftField[];
}

// Patterns tried on strings that are not ISO: each must read every sampled value.
const DATE_PATTERNS = ["MMM d yyyy", "MMM d, yyyy", "d MMM yyyy", "MMMM d, yyyy", "yyyy/MM/dd"];
const TIMESTAMP_PATTERNS = ["yyyy-MM-dd HH:mm:ss", "yyyy/MM/dd HH:mm:ss", "MMM d yyyy HH:mm:ss"];
const TIME_NAME = /(^|_)(time|timestamp|ts|date|datetime|at|on|updated|created|modified|occurred|observed|event)($|_)/i;
const KEY_NAME = /(^|_)(id|uuid|key|code)$/i;

/** Years wide enough for every sampled instant, starting from the default 1900–2200. */
function yearsFor(years: number[]): { min: number; max: number } | undefined {
  const min = Math.min(...years);
  const max = Math.max(...years);
  if (min >= 1900 && max <= 2200) return undefined;
  return { min: Math.min(1900, min), max: Math.max(2200, max) };
}

// The type of a string column: a timestamp or date when every sampled value reads as one.
function stringType(strings: string[]): { type: ValueType; note?: string } {
  if (strings.length === 0) return { type: { type: "string" } };
  const wide = { min: 1, max: 9999 };
  const everyOne = (read: (value: string) => unknown) => strings.every((value) => typeof read(value) === "string");
  const yearsOf = (read: (value: string) => unknown) => strings.map((value) => Number(String(read(value)).slice(0, 4)));
  const iso = timestampReader({ type: "timestamp", years: wide });
  if (everyOne(iso)) {
    const years = yearsFor(yearsOf(iso));
    return { type: { type: "timestamp", ...(years && { years }) }, note: "ISO-8601 timestamps" };
  }
  const local = timestampReader({ type: "timestamp", timezone: "UTC", years: wide });
  if (everyOne(local)) {
    const years = yearsFor(yearsOf(local));
    return {
      type: { type: "timestamp", timezone: "UTC", ...(years && { years }) },
      note: "ISO-8601 without an offset: read as UTC, set the zone they were written in",
    };
  }
  const isoDate = dateReader({ type: "date", years: wide });
  if (everyOne(isoDate)) {
    const years = yearsFor(yearsOf(isoDate));
    return { type: { type: "date", ...(years && { years }) }, note: "YYYY-MM-DD dates" };
  }
  for (const format of DATE_PATTERNS) {
    const read = dateReader({ type: "date", format, years: wide });
    if (everyOne(read)) {
      const years = yearsFor(yearsOf(read));
      return { type: { type: "date", format, ...(years && { years }) }, note: `dates as ${format}` };
    }
  }
  for (const format of TIMESTAMP_PATTERNS) {
    compilePattern(format);
    const read = timestampReader({ type: "timestamp", format, timezone: "UTC", years: wide });
    if (everyOne(read)) {
      const years = yearsFor(yearsOf(read));
      return {
        type: { type: "timestamp", format, timezone: "UTC", ...(years && { years }) },
        note: `timestamps as ${format}, read as UTC: set the zone they were written in`,
      };
    }
  }
  return { type: { type: "string" } };
}

// Epoch numbers: only when the name says time and every value lands in 1970–2200 in that unit.
function epochType(name: string, seen: Seen): { type: ValueType; note: string } | undefined {
  if (!TIME_NAME.test(snakeCase(name)) || seen.fractions > 0 || seen.numbers.length === 0) return undefined;
  const within = (scale: number) =>
    seen.numbers.every((n) => {
      const year = new Date(n * scale).getUTCFullYear();
      return year >= 1970 && year <= 2200;
    });
  const magnitude = Math.max(...seen.numbers.map(Math.abs));
  if (magnitude >= 1e11 && within(1))
    return { type: { type: "timestamp", format: "epoch_ms" }, note: "milliseconds since 1970, by its name and values" };
  if (magnitude >= 1e8 && magnitude < 1e11 && within(1000))
    return { type: { type: "timestamp", format: "epoch_s" }, note: "seconds since 1970, by its name and values" };
  return undefined;
}

function valueType(name: string, seen: Seen, notes: string[], children: DraftField[]): ValueType {
  const kinds = [
    seen.booleans && "boolean",
    (seen.integers || seen.fractions) && "number",
    seen.strings.length + seen.blankStrings && "string",
    seen.objectCount && "object",
    seen.listCount && "list",
  ].filter(Boolean) as string[];
  if (kinds.length > 1) notes.push(`seen as ${kinds.join(" and ")}`);
  if (kinds.length === 0) {
    notes.push("only null in the sample: typed string, review");
    return { type: "string" };
  }
  if (kinds.includes("object") || kinds.includes("list")) {
    if (kinds.length > 1) {
      notes.push("kept as a string would refuse objects and lists: typed by the most frequent");
    }
    if (seen.objectCount >= seen.listCount && seen.objects) {
      children.push(...draftFieldNotes(seen.objects, seen.objectCount));
      return { type: "struct", fields: children.map((child) => child.field) };
    }
    const items = seen.lists ?? emptySeen();
    const itemNotes: string[] = [];
    const itemType = items.present === 0 ? ({ type: "string" } as ValueType) : valueType(name, items, itemNotes, []);
    if (items.present === 0) notes.push("only empty lists in the sample: items typed string, review");
    notes.push(...itemNotes.map((note) => `items ${note}`));
    return { type: "list", items: itemType };
  }
  // Scalars: a mix of numbers, booleans and strings is a string (numbers and booleans kept as their text).
  if (kinds.length > 1) return { type: "string" };
  if (kinds[0] === "boolean") return { type: "boolean" };
  if (kinds[0] === "number") {
    const epoch = epochType(name, seen);
    if (epoch) {
      notes.push(epoch.note);
      return epoch.type;
    }
    if (seen.fractions > 0) return { type: "double" };
    if (seen.bigIntegers > 0) notes.push("integers beyond 2^53: kept exact");
    return { type: "integer" };
  }
  const { type, note } = stringType(seen.strings);
  if (note) notes.push(note);
  return type;
}

/**
 * A column name for a key: the key when it is one already, else its snake_case
 * (`"Beak Length (mm)"` → `beak_length_mm`, `"US Gross"` → `us_gross`).
 * @param key a record's key
 */
export function snakeCase(key: string): string {
  if (FIELD_NAME.test(key)) return key;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const name = words.join("_") || "field";
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

// The fields of the objects seen `objects` times: required when every one of them had it.
function draftFieldNotes(keys: Map<string, Seen>, objects: number): DraftField[] {
  const used = new Set<string>();
  const out: DraftField[] = [];
  for (const [key, seen] of keys) {
    if (!safeName(key)) continue; // kept in _extra, as any key the spec does not name
    let name = snakeCase(key);
    for (let i = 2; used.has(name); i++) name = `${snakeCase(key)}_${i}`;
    used.add(name);
    const notes: string[] = [];
    const children: DraftField[] = [];
    const type = valueType(key, seen, notes, children);
    const required = seen.present === objects && objects > 0 && seen.blankStrings === 0;
    const field = { name, ...(name !== key && { from: key }), ...type, ...(required && { required: true }) } as Field;
    out.push({ field, notes, children });
  }
  return out;
}

/** A spec drafted from samples, with what to review. */
export interface DraftedSpec {
  spec: DatasetSpec;
  /** The spec as a TypeScript file, guesses in comments. */
  text: string;
  /** One line per guess worth a look (also in the file's comments). */
  review: string[];
}

/** Options of {@link draftSpec}. */
export interface DraftOptions {
  name: string;
  /** Sampled records: their JSON text, parsed here with numbers as written. */
  records: string[];
  /** The dot path to the records inside each document, when the files are envelopes. */
  records_path?: string;
  /** How the files looked (`NDJSON`, `a JSON array`, `FeatureCollection envelope (features)`), for the header. */
  sources: string[];
  /** The command that drafted it, for the header. */
  command: string;
}

/**
 * Drafts a dataset spec from sample records: types inferred (integer, double, boolean,
 * string, timestamp from ISO text, patterns or epoch numbers when the name says time, date,
 * struct, list), `required` for what every sampled record has, `from` for keys that are not
 * column names, and a commented silver section partitioned by the likely event time and
 * deduplicated by the likely key.
 * @param options see {@link DraftOptions}
 * @example const { text } = draftSpec({ name: "quakes", records: lines, records_path: "features", sources: ["a.json"], command: "spec init" });
 */
export function draftSpec({ name, records, records_path, sources, command }: DraftOptions): DraftedSpec {
  const keys = new Map<string, Seen>();
  let objects = 0;
  for (const text of records) {
    const value = parseExact(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) continue;
    objects++;
    observeObject(keys, value as Record<string, unknown>);
  }
  const drafted = draftFieldNotes(keys, objects);
  const review: string[] = [];
  const noteOf = new Map<Field, string>();
  const collect = (list: DraftField[], prefix: string) => {
    for (const { field, notes, children } of list) {
      if (notes.length) noteOf.set(field, notes.join("; "));
      if (notes.some((note) => /review|seen as|set the zone|exact/.test(note)))
        review.push(`${prefix}${field.name}: ${notes.join("; ")}`);
      collect(children, `${prefix}${field.name}.`);
    }
  };
  collect(drafted, "");
  // The likely event time: the first timestamp whose name says so, else the first timestamp (structs' flattened too).
  const flat = flatten(drafted.map((d) => d.field));
  const times = flat.filter(({ field }) => field.type === "timestamp");
  const eventTime = times.find(({ path }) => TIME_NAME.test(path[path.length - 1]!)) ?? times[0];
  const keyCandidates = flat.filter(
    ({ field }) =>
      (field.type === "string" || field.type === "integer") &&
      field.required &&
      keys.size > 0 &&
      distinctEverywhere(keys, field, objects),
  );
  const likelyKey =
    keyCandidates.find(({ path }) => KEY_NAME.test(path[path.length - 1]!)) ??
    keyCandidates.find(({ path }) => path.length === 1);
  if (eventTime)
    noteOf.set(eventTime.field, [noteOf.get(eventTime.field), "likely event time"].filter(Boolean).join("; "));
  if (likelyKey)
    noteOf.set(
      likelyKey.field,
      [noteOf.get(likelyKey.field), "likely key: every sampled value distinct"].filter(Boolean).join("; "),
    );
  const spec: DatasetSpec = {
    name,
    landingPrefix: `${name}/`,
    ...(records_path && { records: records_path }),
    fields: drafted.map((d) => d.field),
  };
  const silver = eventTime
    ? silverProposal(eventTime.path.join("_"), likelyKey?.path.join("_"))
    : ['  // silver: no timestamp field was found to partition by; see README "Writing a dataset spec".'];
  const header = [
    `// Drafted by \`${command}\` from ${objects} record(s) of: ${sources.join(", ")}.`,
    "// Review every guess below (comments), then list this file in datasets/index.ts.",
  ];
  const text = [
    'import type { DatasetSpec } from "@medallion/core/dataset";',
    "",
    ...header,
    "export default {",
    `  name: ${JSON.stringify(name)},`,
    `  landingPrefix: ${JSON.stringify(spec.landingPrefix)},`,
    ...(records_path ? [`  records: ${JSON.stringify(records_path)},`] : []),
    "  fields: [",
    ...renderFields(spec.fields, "    ", noteOf),
    "  ],",
    ...silver,
    "} satisfies DatasetSpec;",
    "",
  ].join("\n");
  if (!eventTime) review.push("no timestamp field: silver (partitions) needs one");
  if (!likelyKey) review.push("no likely key: silver's dedup key is yours to choose");
  return { spec, text, review };
}

function distinctEverywhere(keys: Map<string, Seen>, field: Field, objects: number): boolean {
  const seen = keys.get(field.from ?? field.name);
  return seen !== undefined && seen.present === objects && seen.distinct.size === objects;
}

function flatten(fields: Field[], path: string[] = []): { path: string[]; field: Field }[] {
  return fields.flatMap((field) =>
    field.type === "struct" ? flatten(field.fields, [...path, field.name]) : [{ path: [...path, field.name], field }],
  );
}

function silverProposal(eventTime: string, key: string | undefined): string[] {
  const dedupKey = [...(key ? [key] : []), "event_year", "event_month", "event_day"];
  return [
    '  // A proposal: uncomment and review (README "Writing a dataset spec").',
    "  // silver: {",
    `  //   partition: { from: ${JSON.stringify(eventTime)}, year: "event_year", month: "event_month", day: "event_day" },`,
    `  //   dedup: { key: ${JSON.stringify(dedupKey)}, order: [{ column: ${JSON.stringify(eventTime)}, descending: true }] },`,
    "  //   retentionDays: 7,",
    "  // },",
  ];
}

function renderFields(fields: Field[], indent: string, notes: Map<Field, string>): string[] {
  const lines: string[] = [];
  for (const field of fields) {
    const note = notes.get(field);
    const comment = note ? ` // ${note}` : "";
    if (field.type === "struct") {
      const { fields: inner, ...rest } = field;
      lines.push(`${indent}{ ${members(rest)}, fields: [${comment}`);
      lines.push(...renderFields(inner, `${indent}  `, notes));
      lines.push(`${indent}] },`);
    } else lines.push(`${indent}{ ${members(field)} },${comment}`);
  }
  return lines;
}

// An object's members as TypeScript writes them: `name: "id", type: "string"`.
function members(object: object): string {
  return Object.entries(object)
    .map(([key, value]) => `${key}: ${literal(value)}`)
    .join(", ");
}

function literal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (value !== null && typeof value === "object") return `{ ${members(value)} }`;
  return JSON.stringify(value);
}
