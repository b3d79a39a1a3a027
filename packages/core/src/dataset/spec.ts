import type { GoldSpec } from "../gold/spec";
import type { SilverSpec } from "../silver/spec";

/**
 * A dataset is configuration: where its files land, what a record looks like, and
 * (in later sections) how silver and gold are built from it. A new dataset needs a
 * spec, not code.
 */

/** Scalar field types. `timestamp` is an ISO-8601 string in bronze, parsed in silver. */
export type ScalarType = "string" | "double" | "boolean" | "timestamp";

/** A scalar field of a record. */
export interface ScalarField {
  name: string;
  type: ScalarType;
  required?: boolean;
  description?: string;
}

/** A nested object of a record; kept as a Parquet STRUCT in bronze. */
export interface StructField {
  name: string;
  type: "struct";
  fields: Field[];
  required?: boolean;
  description?: string;
}

/** A field of a record. */
export type Field = ScalarField | StructField;

/** What defines a dataset. */
export interface DatasetSpec {
  /** Dataset name: `[a-z][a-z0-9_]*`, used in keys, table names and metrics. */
  name: string;
  /** Landing keys under this prefix belong to the dataset (e.g. `car_telemetry/`). */
  landingPrefix: string;
  /** The record schema. Fields it does not name are kept, as JSON text, in `_extra`. */
  fields: Field[];
  /** How silver is built: cleansing, derived columns, partitions, dedup, retention. */
  silver?: SilverSpec;
  /** Gold tables merged from silver: keys, aggregates, partitioning. */
  gold?: GoldSpec;
}
