import type { SchemaElement } from "hyparquet";
import { z } from "zod";
import type { Field, ScalarType } from "./spec";

/** Lineage columns every bronze file carries after the spec's fields. */
export const lineageColumns = ["_extra", "_source_key", "_record_index", "_source_line"] as const;

/**
 * Derives the zod validator of one record from a dataset's fields. Unknown keys pass
 * through (they are kept in `_extra`); optional fields accept `null` as absent; numbers
 * must be finite (JSON's `1e999` parses to Infinity and is rejected).
 * @param fields the spec's fields
 * @returns a zod object schema for a whole record
 * @example recordSchema(carTelemetry.fields).safeParse(JSON.parse(line))
 */
export function recordSchema(fields: Field[]): z.ZodType<Record<string, unknown>> {
  return objectSchema(fields) as unknown as z.ZodType<Record<string, unknown>>;
}

function objectSchema(fields: Field[]): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const field of fields) {
    const base = field.type === "struct" ? objectSchema(field.fields) : scalarSchema(field.type);
    shape[field.name] = field.required ? base : base.nullish();
  }
  return z.looseObject(shape);
}

/**
 * Derives a fast predicate from the same fields as {@link recordSchema}: true only for
 * records the zod schema accepts (same timestamp pattern), so callers run zod just for
 * the records it refuses, to get zod's reasons. It never accepts what zod would reject.
 * @param fields the spec's fields
 */
export function recordPredicate(fields: Field[]): (record: Record<string, unknown>) => boolean {
  const checks = fields.map((field) => {
    const check = field.type === "struct" ? structPredicate(field.fields) : scalarPredicate(field.type);
    return { name: field.name, check, required: field.required === true };
  });
  return (record) => {
    for (const { name, check, required } of checks) {
      const value = record[name];
      if (value === undefined || value === null) {
        if (required) return false;
      } else if (!check(value)) return false;
    }
    return true;
  };
}

function structPredicate(fields: Field[]): (value: unknown) => boolean {
  const inner = recordPredicate(fields);
  return (value) =>
    typeof value === "object" && value !== null && !Array.isArray(value) && inner(value as Record<string, unknown>);
}

function scalarPredicate(type: ScalarType): (value: unknown) => boolean {
  switch (type) {
    case "string":
      return (value) => typeof value === "string";
    case "double":
      return (value) => typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return (value) => typeof value === "boolean";
    case "timestamp": {
      const pattern = timestampPattern();
      return (value) => typeof value === "string" && pattern.test(value);
    }
  }
}

/** The pattern zod checks a timestamp with (ISO-8601 with an offset or Z). */
export function timestampPattern(): RegExp {
  const pattern = timestampSchema().def.pattern;
  if (!pattern) throw new Error("zod's datetime schema has no pattern");
  return pattern;
}

function timestampSchema() {
  // Bronze keeps the text; silver parses it. An offset (or Z) is required so the
  // instant is unambiguous whatever the reader's time zone.
  return z.iso.datetime({ offset: true });
}

function scalarSchema(type: ScalarType): z.ZodType {
  switch (type) {
    case "string":
      return z.string();
    case "double":
      return z.number();
    case "boolean":
      return z.boolean();
    case "timestamp":
      return timestampSchema();
  }
}

/**
 * Derives the bronze Parquet schema from a dataset's fields: scalars as optional
 * leaves, structs as optional groups (so DuckDB and Athena see STRUCTs), doubles as
 * DOUBLE whatever the JSON spelling, timestamps as ISO-8601 text, then the lineage
 * columns `_extra` (JSON text of unknown fields), `_source_key`, `_record_index`, `_source_line`.
 * @param fields the spec's fields
 * @returns a flattened Parquet schema, root first
 */
export function bronzeParquetSchema(fields: Field[]): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: "root", num_children: fields.length + lineageColumns.length }];
  appendFields(schema, fields);
  schema.push(
    { name: "_extra", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
    { name: "_source_key", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
    { name: "_record_index", type: "INT32", repetition_type: "REQUIRED" },
    { name: "_source_line", type: "INT32", repetition_type: "REQUIRED" },
  );
  return schema;
}

function appendFields(schema: SchemaElement[], fields: Field[]): void {
  for (const field of fields) {
    if (field.type === "struct") {
      schema.push({ name: field.name, repetition_type: "OPTIONAL", num_children: field.fields.length });
      appendFields(schema, field.fields);
    } else {
      schema.push({ name: field.name, repetition_type: "OPTIONAL", ...parquetType(field.type) });
    }
  }
}

function parquetType(type: ScalarType): Pick<SchemaElement, "type" | "converted_type"> {
  switch (type) {
    case "string":
    case "timestamp":
      return { type: "BYTE_ARRAY", converted_type: "UTF8" };
    case "double":
      return { type: "DOUBLE" };
    case "boolean":
      return { type: "BOOLEAN" };
  }
}
