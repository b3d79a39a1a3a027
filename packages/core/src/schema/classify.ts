import { earlierNames } from "../dataset/schema";
import { canonicalJson } from "../dynamo/canonical";
import type { AppliedField, AppliedGoldTable, AppliedSchema, AppliedType } from "./applied";

/**
 * How a difference between the spec and the applied schema is handled: `compatible` is applied
 * by the next run with no rewrite; `rebuild` needs `medallion rebuild`; `incompatible` is refused
 * (a new field name, or a rebuild from bronze with the new spec, is the way out).
 */
export type ChangeClass = "compatible" | "rebuild" | "incompatible";

/** One difference between the spec and the applied schema. */
export interface SchemaChange {
  class: ChangeClass;
  /** What changed, as a path: `field speed`, `field position.lat`, `silver dedup`, `gold car_monthly.km`. */
  what: string;
  /** How: `added`, `dropped`, `renamed` (old and new are the names), `type`, `required`, `changed`. */
  change: "added" | "dropped" | "renamed" | "type" | "required" | "changed";
  /** The applied value and the spec's, as short text (`double`, `[car_id, day]`), or null when absent. */
  old: string | null;
  new: string | null;
}

const typeText = (type: AppliedType): string =>
  type.type === "struct"
    ? `struct<${type.fields.map((f) => `${f.name}: ${typeText(f)}`).join(", ")}>`
    : type.type === "list"
      ? `list<${typeText(type.items)}>`
      : type.type;

const text = (value: unknown): string => (value === undefined || value === null ? "none" : canonicalJson(value));
const same = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null);

// A type change: integer → double, a struct gaining (or losing) optional fields, a list's items
// widening are compatible; anything else (double → string, a narrowing) is not.
function compareType(path: string, old: AppliedType, next: AppliedType, changes: SchemaChange[]): void {
  if (old.type === "struct" && next.type === "struct") {
    compareFields(`${path}.`, old.fields, next.fields, changes);
    return;
  }
  if (old.type === "list" && next.type === "list") {
    const items: SchemaChange[] = [];
    compareType(`${path}[]`, old.items, next.items, items);
    changes.push(...items);
    return;
  }
  if (old.type === next.type) return;
  const widened = old.type === "integer" && next.type === "double";
  changes.push({
    class: widened ? "compatible" : "incompatible",
    what: `field ${path}`,
    change: "type",
    old: typeText(old),
    new: typeText(next),
  });
}

function compareFields(prefix: string, old: AppliedField[], next: AppliedField[], changes: SchemaChange[]): void {
  const before = new Map(old.map((f) => [f.name, f]));
  const after = new Map(next.map((f) => [f.name, f]));
  // A field renamed since: its earlier names are no dropped fields, and it is compared as the
  // newest of them the applied schema has (a → b → c: as b, or as a when b was never applied).
  const renamed = new Map(
    next.filter((f) => !before.has(f.name)).flatMap((f) => earlierNames(f).map((old) => [old, f] as const)),
  );
  for (const field of next) {
    const path = `${prefix}${field.name}`;
    const history = earlierNames(field);
    const matched = before.get(field.name) ?? history.map((old) => before.get(old)).find((f) => f !== undefined);
    // History the applied field still read and the spec no longer names: old files would read NULL.
    const forgotten = matched ? earlierNames(matched).filter((old) => !history.includes(old)) : [];
    if (forgotten.length)
      changes.push({
        class: "incompatible",
        what: `field ${path}`,
        change: "renamed",
        old: forgotten.join(", "),
        new: `${field.name} without ${forgotten.join(", ")} in renamedFrom`,
      });
    const earlier = matched && matched.name !== field.name ? matched : undefined;
    if (earlier) {
      // Old files' column is read under the new name: nothing is rewritten.
      changes.push({
        class: "compatible",
        what: `field ${path}`,
        change: "renamed",
        old: earlier.name,
        new: field.name,
      });
      compareType(path, earlier, field, changes);
      if (!earlier.required && field.required)
        changes.push({
          class: "incompatible",
          what: `field ${path}`,
          change: "required",
          old: "optional",
          new: "required",
        });
      continue;
    }
    const was = before.get(field.name);
    if (!was) {
      // Older records lack a new field: optional reads NULL for them; required would reject what is already in.
      changes.push({
        class: field.required ? "incompatible" : "compatible",
        what: `field ${path}`,
        change: field.required ? "required" : "added",
        old: null,
        new: `${typeText(field)}${field.required ? " (required)" : ""}`,
      });
      continue;
    }
    compareType(path, was, field, changes);
    if (!was.required && field.required)
      changes.push({
        class: "incompatible",
        what: `field ${path}`,
        change: "required",
        old: "optional",
        new: "required",
      });
  }
  for (const field of old)
    if (!after.has(field.name) && !renamed.has(field.name))
      changes.push({
        class: "compatible",
        what: `field ${prefix}${field.name}`,
        change: "dropped",
        old: typeText(field),
        new: null,
      });
}

// Named members (derived columns, aggregates): new and dropped ones are compatible, a changed one needs a rebuild.
function compareMembers(
  what: string,
  old: Record<string, unknown>,
  next: Record<string, unknown>,
  changes: SchemaChange[],
) {
  for (const [name, value] of Object.entries(next)) {
    if (!(name in old))
      changes.push({ class: "compatible", what: `${what} ${name}`, change: "added", old: null, new: text(value) });
    else if (!same(old[name], value))
      changes.push({
        class: "rebuild",
        what: `${what} ${name}`,
        change: "changed",
        old: text(old[name]),
        new: text(value),
      });
  }
  for (const [name, value] of Object.entries(old))
    if (!(name in next))
      changes.push({ class: "compatible", what: `${what} ${name}`, change: "dropped", old: text(value), new: null });
}

function compareGoldTable(name: string, old: AppliedGoldTable, next: AppliedGoldTable, changes: SchemaChange[]) {
  for (const part of ["database", "key", "dimensions", "partitionBy", "window"] as const)
    if (!same(old[part], next[part]))
      changes.push({
        class: "rebuild",
        what: `gold ${name} ${part}`,
        change: "changed",
        old: text(old[part]),
        new: text(next[part]),
      });
  compareMembers(`gold ${name} aggregate`, old.aggregates, next.aggregates, changes);
}

// Silver column names of renamed fields (flattened with `_`): each earlier name → the new one.
function renamedColumns(fields: AppliedField[], path: string[] = [], earlier: string[][] = []): Map<string, string> {
  const renames = new Map<string, string>();
  for (const field of fields) {
    const here = [...path, field.name];
    const before = [
      ...earlier.map((p) => [...p, field.name]),
      ...earlierNames(field).flatMap((old) => [path, ...earlier].map((p) => [...p, old])),
    ];
    if (field.type === "struct")
      for (const [old, now] of renamedColumns(field.fields, here, before)) renames.set(old, now);
    else for (const old of before) renames.set(old.join("_"), here.join("_"));
  }
  return renames;
}

// The applied silver and gold rules with each renamed column named as the spec now names it,
// so a rule that only follows a rename (a dimension reading `hub` instead of `depot`) is no change.
function followRenames(applied: AppliedSchema, renames: Map<string, string>): AppliedSchema {
  if (renames.size === 0) return applied;
  const name = (column: string): string => renames.get(column) ?? column;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value !== "object" || value === null) return value;
    const object = value as Record<string, unknown>;
    const out = Object.fromEntries(Object.entries(object).map(([key, v]) => [key, walk(v)]));
    if (object.kind === "column" && Array.isArray(object.path) && object.path.length === 1)
      out.path = [name(String(object.path[0]))];
    // Derived columns name their sources: a ratio its numerator and denominator, an origin its field.
    for (const key of ["numerator", "denominator", "field"] as const)
      if (typeof object[key] === "string" && "kind" in object) out[key] = name(object[key] as string);
    return out;
  };
  const { silver } = applied;
  return {
    ...applied,
    silver: silver && {
      ...silver,
      partition: { ...silver.partition, from: name(silver.partition.from) },
      dedup: {
        key: silver.dedup.key.map(name),
        order: silver.dedup.order.map((o) => ({ ...o, column: name(o.column) })),
      },
      cleanse: Object.fromEntries(Object.entries(silver.cleanse).map(([column, rule]) => [name(column), rule])),
      derived: walk(silver.derived) as typeof silver.derived,
    },
    gold: walk(applied.gold) as AppliedSchema["gold"],
  };
}

/**
 * Every difference between the applied schema and the one a spec would apply, classified.
 * @param recorded the recorded schema
 * @param next the spec's schema ({@link appliedSchemaOf})
 * @example classifySchemaChanges(v1, v2).filter((c) => c.class !== "compatible")
 */
export function classifySchemaChanges(recorded: AppliedSchema, next: AppliedSchema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  compareFields("", recorded.fields, next.fields, changes);
  // Rules that only follow a rename (a dimension reading the new name) are compared as unchanged.
  const applied = followRenames(recorded, renamedColumns(next.fields));
  const [old, now] = [applied.silver, next.silver];
  if (old && now) {
    for (const part of ["partition", "dedup", "target"] as const)
      if (!same(old[part], now[part]))
        changes.push({
          class: "rebuild",
          what: `silver ${part}`,
          change: "changed",
          old: text(old[part]),
          new: text(now[part]),
        });
    const columns = new Set([...Object.keys(old.cleanse), ...Object.keys(now.cleanse)]);
    for (const column of columns)
      if (old.cleanse[column] !== now.cleanse[column])
        changes.push({
          class: "rebuild",
          what: `silver cleanse ${column}`,
          change: "changed",
          old: old.cleanse[column] ?? null,
          new: now.cleanse[column] ?? null,
        });
    compareMembers("silver derived", old.derived, now.derived, changes);
  } else if (old && !now)
    changes.push({ class: "rebuild", what: "silver", change: "dropped", old: "silver section", new: null });
  else if (!old && now)
    changes.push({ class: "compatible", what: "silver", change: "added", old: null, new: "silver section" });
  for (const [name, table] of Object.entries(next.gold)) {
    const was = applied.gold[name];
    if (was) compareGoldTable(name, was, table, changes);
    else changes.push({ class: "compatible", what: `gold ${name}`, change: "added", old: null, new: "table" });
  }
  for (const name of Object.keys(applied.gold))
    if (!(name in next.gold))
      changes.push({ class: "compatible", what: `gold ${name}`, change: "dropped", old: "table", new: null });
  return changes;
}

/**
 * The message a refused change is reported with: each change (field, old → new), then the way
 * out, as the exact command.
 * @param dataset the dataset
 * @param refused the changes a normal run does not apply
 */
export function refusalMessage(dataset: string, refused: SchemaChange[]): string {
  const lines = refused.map(
    (c) =>
      `  ${c.what}: ${c.change}, ${c.old ?? "none"} → ${c.new ?? "none"} (${c.class === "rebuild" ? "needs a rebuild" : "incompatible"})`,
  );
  const incompatible = refused.some((c) => c.class === "incompatible");
  const command = `medallion rebuild --dataset ${dataset}`;
  const way = incompatible
    ? `Nothing was written. Ways out: give the field a new name (the old one is kept, read as NULL from now on), or rebuild silver and gold from bronze with the new spec: ${command}`
    : `Nothing was written. Rebuild silver and gold from bronze with the new spec: ${command}`;
  return `dataset ${dataset}: the spec changed in a way a run does not apply by itself:\n${lines.join("\n")}\n${way}`;
}
