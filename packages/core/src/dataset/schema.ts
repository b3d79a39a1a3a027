import type { SchemaElement } from "hyparquet";
import * as z from "zod/mini";
import type { SqlType } from "../sql/ast";
import type { Field, ValueType } from "./spec";

/** Lineage columns every bronze file carries after the spec's fields. */
export const lineageColumns = ["_extra", "_source_key", "_record_index", "_source_line"] as const;

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

/**
 * A field's earlier names, newest first: its `renamedFrom` as a list (empty when never renamed).
 * @param field a field of a spec or of an applied schema
 * @example earlierNames({ renamedFrom: ["b", "a"] }) // ["b", "a"]
 */
export function earlierNames({ renamedFrom }: { renamedFrom?: string | readonly string[] | undefined }): string[] {
  return renamedFrom === undefined ? [] : typeof renamedFrom === "string" ? [renamedFrom] : [...renamedFrom];
}

/**
 * The fields as files of every schema version are read: each renamed field (at any depth) is
 * followed by its earlier names (newest first), same type, optional, so files written before a
 * rename read it there. Bronze is written with the spec's fields; it is read with these.
 * @param fields the spec's fields
 * @example readFields([{ name: "hub", type: "string", renamedFrom: "depot" }]).map((f) => f.name) // ["hub", "depot"]
 */
export function readFields(fields: readonly Field[]): Field[] {
  return fields.flatMap((field): Field[] => {
    const read: Field = field.type === "struct" ? { ...field, fields: readFields(field.fields) } : field;
    if (field.renamedFrom === undefined) return [read];
    const { renamedFrom: _, ...earlier } = read;
    return [read, ...earlierNames(field).map((name) => ({ ...earlier, name, required: false }) as Field)];
  });
}

/**
 * Derives the bronze Parquet schema from a dataset's fields: scalars as optional
 * leaves, structs as optional groups (so DuckDB and Athena see STRUCTs), lists as LISTs,
 * doubles as DOUBLE whatever the JSON spelling, integers as INT64, timestamps and dates as
 * ISO-8601 text, then the lineage
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
  for (const field of fields) appendValue(schema, field.name, field);
}

// One value's elements: a leaf, a group of its fields, or a LIST in Parquet's three levels
// (`<name>` LIST → repeated `list` → optional `element`), as DuckDB, Athena and Spark write it.
function appendValue(schema: SchemaElement[], name: string, type: ValueType): void {
  switch (type.type) {
    case "struct":
      schema.push({ name, repetition_type: "OPTIONAL", num_children: type.fields.length });
      appendFields(schema, type.fields);
      return;
    case "list":
      schema.push({ name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 });
      schema.push({ name: "list", repetition_type: "REPEATED", num_children: 1 });
      appendValue(schema, "element", type.items);
      return;
    case "string":
    case "timestamp":
    case "date":
      schema.push({ name, repetition_type: "OPTIONAL", type: "BYTE_ARRAY", converted_type: "UTF8" });
      return;
    case "double":
      schema.push({ name, repetition_type: "OPTIONAL", type: "DOUBLE" });
      return;
    case "integer":
      schema.push({ name, repetition_type: "OPTIONAL", type: "INT64" });
      return;
    case "boolean":
      schema.push({ name, repetition_type: "OPTIONAL", type: "BOOLEAN" });
      return;
  }
}

/**
 * The SQL type of a value as bronze stores it: timestamps and dates as ISO text (silver
 * parses them), integers as BIGINT, structs as rows, lists as arrays.
 * @param type a field's or a list item's type
 * @example bronzeSqlType({ type: "list", items: { type: "double" } }) // { array: "double" }
 */
export function bronzeSqlType(type: ValueType): SqlType {
  switch (type.type) {
    case "string":
    case "timestamp":
    case "date":
      return "varchar";
    case "double":
      return "double";
    case "integer":
      return "bigint";
    case "boolean":
      return "boolean";
    case "struct":
      return { row: type.fields.map((field) => ({ name: field.name, type: bronzeSqlType(field) })) };
    case "list":
      return { array: bronzeSqlType(type.items) };
  }
}
