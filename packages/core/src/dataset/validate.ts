import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { safeName } from "../bronze/record";
import { compilePattern, knownTimeZone } from "../bronze/time";
import { goldColumns } from "../gold/columns";
import type { GoldTable } from "../gold/spec";
import { silverColumns } from "../silver/columns";
import type { SpecIssue } from "./errors";
import { DatasetSpecError } from "./errors";
import { checkReferences } from "./references";
import { earlierNames } from "./schema";
import type { DatasetSpec, Field, ValueType } from "./spec";
import { sourceKey } from "./spec";

// zod's mini build (a fraction of the classic API's bytes in a Lambda bundle) loads no
// locale: without this, a spec's errors would say only "Invalid input", not what is wrong.
z.config(en());

const NAME = /^[a-z][a-z0-9_]*$/;
// Parquet, DuckDB and Athena all accept these as column names without surprises.
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const yearsSchema = z
  .strictObject({ min: z.int(), max: z.int() })
  .check(z.refine((years) => years.min <= years.max, "years.min must not be after years.max"));

// A pattern is checked by the code that reads it, so the two never disagree.
const patternSchema = (fixed: readonly string[]) =>
  z.string().check(
    z.minLength(1),
    z.superRefine((format, ctx) => {
      if (fixed.includes(format)) return;
      try {
        compilePattern(format);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message, input: format });
      }
    }),
  );

const timezoneSchema = z
  .string()
  .check(z.refine(knownTimeZone, "an IANA time zone such as UTC, Europe/Lisbon or America/Sao_Paulo"));

const earlierNameSchema = z
  .string()
  .check(z.regex(FIELD_NAME, "a field's earlier name must match [A-Za-z_][A-Za-z0-9_]*"));

// What every field has beside its type; a list's items have only the type.
const fieldShape = {
  name: z.string().check(z.regex(FIELD_NAME, "a field name must match [A-Za-z_][A-Za-z0-9_]*")),
  from: z.optional(
    z
      .string()
      .check(
        z.refine(safeName, "a key to read must not be empty, __proto__, or hold '/', '\\', '..' or control characters"),
      ),
  ),
  required: z.optional(z.boolean()),
  // One earlier name, or several, newest first (a field renamed more than once).
  renamedFrom: z.optional(
    z.union([
      earlierNameSchema,
      z.array(earlierNameSchema).check(z.minLength(1, "renamedFrom needs at least one earlier name")),
    ]),
  ),
  description: z.optional(z.string()),
};

function typeVariants<Shape extends z.core.$ZodShape>(shape: Shape) {
  return [
    z.strictObject({ ...shape, type: z.enum(["string", "double", "boolean", "integer"]) }),
    z.strictObject({
      ...shape,
      type: z.literal("timestamp"),
      format: z.optional(patternSchema(["iso", "epoch_s", "epoch_ms"])),
      timezone: z.optional(timezoneSchema),
      years: z.optional(yearsSchema),
    }),
    z.strictObject({
      ...shape,
      type: z.literal("date"),
      format: z.optional(patternSchema(["iso"])),
      years: z.optional(yearsSchema),
    }),
    z.strictObject({ ...shape, type: z.literal("struct"), fields: fieldsSchema }),
    z.strictObject({ ...shape, type: z.literal("list"), items: valueTypeSchema }),
  ] as const;
}

const valueTypeSchema: z.ZodMiniType<ValueType> = z.lazy(() => z.discriminatedUnion("type", typeVariants({})));
const fieldSchema: z.ZodMiniType<Field> = z.lazy(() => z.discriminatedUnion("type", typeVariants(fieldShape)));

const fieldsSchema: z.ZodMiniType<Field[]> = z.array(fieldSchema).check(
  z.minLength(1, "a record needs at least one field"),
  z.superRefine((fields, ctx) => {
    const names = new Set<string>();
    const keys = new Map<string, string>();
    fields.forEach((field, index) => {
      const twice = names.has(field.name);
      if (twice)
        ctx.addIssue({
          code: "custom",
          path: [index, "name"],
          message: `field ${field.name} is defined twice`,
          input: field.name,
        });
      names.add(field.name);
      const key = sourceKey(field);
      const other = keys.get(key);
      if (other !== undefined && !(twice && field.from === undefined))
        ctx.addIssue({
          code: "custom",
          path: [index, field.from === undefined ? "name" : "from"],
          message: `the key ${JSON.stringify(key)} is already read by field ${other}`,
          input: key,
        });
      keys.set(key, field.name);
    });
    // An earlier name reads old files' column under the new one: it must name no other field,
    // and a field's history has no cycle (its own name, or one name twice: a → b → a).
    const earlier = new Map<string, string>();
    fields.forEach((field, index) => {
      const history = earlierNames(field);
      history.forEach((old, position) => {
        const clash =
          old === field.name
            ? `that is its own name: a rename history has no cycle`
            : history.indexOf(old) < position
              ? `${old} is named twice in its history: a rename history has no cycle`
              : names.has(old)
                ? `field ${old} still exists`
                : earlier.has(old)
                  ? `field ${earlier.get(old)} was renamed from it too`
                  : null;
        if (clash)
          ctx.addIssue({
            code: "custom",
            path: typeof field.renamedFrom === "string" ? [index, "renamedFrom"] : [index, "renamedFrom", position],
            message: `field ${field.name} is renamed from ${old}, but ${clash}`,
            input: old,
          });
        earlier.set(old, field.name);
      });
    });
  }),
);

const nonEmptyString = () => z.string().check(z.minLength(1));

// Silver and gold keep evolving; their sections are checked here for shape, and then by
// the very code that builds SQL from them (silverColumns, goldColumns), so the two never disagree.
const silverSchema = z.looseObject({
  cleanse: z.optional(z.record(z.string(), z.enum(["lower", "upper", "title_case"]))),
  derived: z.optional(z.array(z.looseObject({ name: nonEmptyString(), kind: z.string() }))),
  partition: z.looseObject({ from: nonEmptyString() }),
  dedup: z.strictObject({
    key: z.array(nonEmptyString()).check(z.minLength(1, "the dedup key needs at least one column")),
    order: z.array(z.strictObject({ column: nonEmptyString(), descending: z.optional(z.boolean()) })),
  }),
  retentionDays: z.int().check(z.nonnegative()),
});

const goldTableSchema = z.looseObject({
  name: z.string(),
  description: z.optional(z.string()),
  key: z.array(z.string()),
  dimensions: z.array(z.looseObject({ name: z.string(), type: z.string(), expr: z.looseObject({ kind: z.string() }) })),
  aggregates: z.array(z.looseObject({ name: z.string(), kind: z.string() })),
  partitionBy: z.array(z.string()),
  window: z.enum(["month", "day"]),
});

const specSchema = z.strictObject({
  name: z.string().check(z.regex(NAME, "a dataset name must match [a-z][a-z0-9_]*")),
  landingPrefix: z
    .string()
    .check(
      z.regex(
        /^[A-Za-z0-9][A-Za-z0-9._=-]*(\/[A-Za-z0-9._=-]+)*\/$/,
        "a landing prefix is one or more path segments ending with '/', e.g. 'sensors/' (a leading '_' is reserved for _done/ and _failed/)",
      ),
    ),
  records: z.optional(
    z
      .string()
      .check(z.regex(/^[^.]+(\.[^.]+)*$/, "a dot path to the array of records, e.g. 'features' or 'data.items'")),
  ),
  fields: fieldsSchema,
  silver: z.optional(silverSchema),
  gold: z.optional(
    z.strictObject({
      database: z.optional(z.string().check(z.regex(NAME))),
      tables: z.array(goldTableSchema).check(z.minLength(1, "a gold section needs at least one table")),
    }),
  ),
  monitoring: z.optional(
    z.strictObject({
      maxQuarantineRate: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
      expectedEveryMinutes: z.optional(z.int().check(z.positive())),
    }),
  ),
});

function pathOf(segments: readonly PropertyKey[]): string {
  return segments.reduce<string>(
    (path, segment) =>
      typeof segment === "number" ? `${path}[${segment}]` : path ? `${path}.${String(segment)}` : String(segment),
    "",
  );
}

/**
 * Checks that a value is a usable {@link DatasetSpec}: its shape (names, field types,
 * sections), then that every column silver and gold name exists (with the candidates when
 * one does not), then what silver and gold will build from it (dedup key, gold keys and
 * aggregates). Throws {@link DatasetSpecError} listing every problem with
 * its field path.
 * @param value what a spec file exported
 * @param options.file the spec file, named in the error
 * @returns the spec, typed
 * @example const spec = validateDatasetSpec(module.default, { file: "./sensors.ts" });
 */
export function validateDatasetSpec(value: unknown, { file }: { file?: string } = {}): DatasetSpec {
  const parsed = specSchema.safeParse(value);
  if (!parsed.success) {
    throw new DatasetSpecError(
      parsed.error.issues.map((issue) => ({ path: pathOf(issue.path), reason: issue.message })),
      { file, cause: parsed.error },
    );
  }
  // The parsed copy drops nothing the schema kept loose, but the caller's object is what
  // the handlers will use: return it, now known to be well-formed.
  const spec = value as DatasetSpec;
  // Unknown columns first, each with its candidates: the checks below would stop at the first.
  const references = checkReferences(spec);
  if (references.length) throw new DatasetSpecError(references, { file });
  const issues: SpecIssue[] = [];
  let cause: unknown;
  if (spec.silver) {
    try {
      silverColumns(spec);
    } catch (error) {
      cause = error;
      issues.push({ path: "silver", reason: (error as Error).message });
    }
  }
  spec.gold?.tables.forEach((table: GoldTable, index) => {
    try {
      goldColumns(table);
    } catch (error) {
      cause ??= error;
      issues.push({ path: `gold.tables[${index}]`, reason: (error as Error).message });
    }
  });
  if (spec.gold && !spec.silver)
    issues.push({ path: "gold", reason: "gold tables are built from silver: add a silver section" });
  if (issues.length) throw new DatasetSpecError(issues, { file, cause });
  return spec;
}
