import { createHash } from "node:crypto";
import { earlierNames } from "../dataset/schema";
import type { DatasetSpec, Field, ValueType } from "../dataset/spec";
import { canonicalJson } from "../dynamo/canonical";
import type { GoldAggregate, GoldDimension } from "../gold/spec";
import type { DerivedColumn, PartitionSpec } from "../silver/spec";

/** A value's shape as the applied schema keeps it: its type, and for structs and lists what they hold. */
export type AppliedType =
  | { type: "string" | "double" | "boolean" | "integer" | "timestamp" | "date" }
  | { type: "struct"; fields: AppliedField[] }
  | { type: "list"; items: AppliedType };

/**
 * A field of the applied schema; `renamedFrom` only when the spec renamed it (so other schemas
 * hash as before): one earlier name as text (as before lists were taken), several as a list, newest first.
 */
export type AppliedField = AppliedType & { name: string; required: boolean; renamedFrom?: string | string[] };

/** A gold table as the applied schema keeps it: what decides its rows, and its aggregates by name. */
export interface AppliedGoldTable {
  database: string | null;
  key: string[];
  dimensions: GoldDimension[];
  partitionBy: string[];
  window: string;
  aggregates: Record<string, GoldAggregate>;
}

/**
 * What a dataset's spec has applied to its tables: bronze fields, silver's columns and rules
 * (partitioning, dedup, cleansing, derived columns, target), each gold table's key, dimensions,
 * window and aggregates. Plain JSON, kept with a version in the schema-versions table.
 */
export interface AppliedSchema {
  fields: AppliedField[];
  silver: {
    partition: PartitionSpec;
    dedup: { key: string[]; order: { column: string; descending: boolean }[] };
    cleanse: Record<string, string>;
    derived: Record<string, DerivedColumn>;
    target: unknown;
  } | null;
  gold: Record<string, AppliedGoldTable>;
}

function appliedType(type: ValueType): AppliedType {
  switch (type.type) {
    case "struct":
      return { type: "struct", fields: type.fields.map(appliedField) };
    case "list":
      return { type: "list", items: appliedType(type.items) };
    default:
      // A timestamp's or date's format is how ingestion reads it: bronze keeps ISO text whatever it was.
      return { type: type.type };
  }
}

function appliedField(field: Field): AppliedField {
  // `["b"]` and `"b"` say the same: recorded alike, so writing one as the other is no change.
  const earlier = earlierNames(field);
  return {
    name: field.name,
    required: field.required ?? false,
    ...(earlier.length === 0 ? {} : { renamedFrom: earlier.length === 1 ? earlier[0]! : earlier }),
    ...appliedType(field),
  };
}

/**
 * The schema a spec applies, as recorded and compared.
 * @param spec a dataset spec
 * @example appliedSchemaOf(carTelemetry).fields[0] // { name: "car_id", required: true, type: "string" }
 */
export function appliedSchemaOf(spec: DatasetSpec): AppliedSchema {
  const { silver, gold } = spec;
  return {
    fields: spec.fields.map(appliedField),
    silver: silver
      ? {
          partition: silver.partition,
          dedup: {
            key: silver.dedup.key,
            order: silver.dedup.order.map(({ column, descending }) => ({ column, descending: descending ?? false })),
          },
          cleanse: { ...(silver.cleanse ?? {}) },
          derived: Object.fromEntries((silver.derived ?? []).map((d) => [d.name, d])),
          target: silver.target ?? null,
        }
      : null,
    gold: Object.fromEntries(
      (gold?.tables ?? []).map((table) => [
        table.name,
        {
          database: gold?.database ?? null,
          key: table.key,
          dimensions: table.dimensions,
          partitionBy: table.partitionBy,
          window: table.window,
          aggregates: Object.fromEntries(table.aggregates.map((a) => [a.name, a])),
        },
      ]),
    ),
  };
}

/**
 * The content hash of an applied schema: equal schemas, equal hashes, whatever the key order.
 * @param schema an applied schema
 */
export function schemaHash(schema: AppliedSchema): string {
  return createHash("sha256").update(canonicalJson(schema)).digest("hex");
}
