import type { GoldSpec } from "../gold/spec";
import type { SilverSpec } from "../silver/spec";

/**
 * A dataset is configuration: where its files land, what a record looks like, and
 * (in later sections) how silver and gold are built from it. A new dataset needs a
 * spec, not code.
 */

/** Types of a single value: text, a double, a boolean or a 64-bit integer (exact). */
export type ScalarType = "string" | "double" | "boolean" | "integer";

/**
 * How a timestamp is written in the data: `iso` (ISO-8601; the default), seconds or
 * milliseconds since 1970-01-01 UTC (a JSON number, or a string of one), or a pattern of
 * `yyyy`, `yy`, `MM`/`M`, `MMM` (Jan), `MMMM` (January), `dd`/`d`, `HH`/`H`, `hh`/`h` with
 * `a` (AM/PM), `mm`, `ss`, `SSS` (fraction), `XXX` (offset or Z) and literal text
 * (`'T'` quoted), e.g. `"MMM d yyyy"` or `"yyyy-MM-dd HH:mm:ss"`.
 */
export type TimestampFormat = "iso" | "epoch_s" | "epoch_ms" | (string & {});

/** The years a timestamp or date must fall in (of its UTC instant), both included. */
export interface YearRange {
  min: number;
  max: number;
}

/** A value of one of the scalar types. */
export interface ScalarValue {
  type: ScalarType;
}

/** An instant. Bronze keeps it as ISO-8601 text (in UTC unless the data gave an offset); silver parses it. */
export interface TimestampValue {
  type: "timestamp";
  /** How the data writes it; default `iso`. */
  format?: TimestampFormat;
  /** IANA time zone of values written without an offset (default UTC; `iso` values need an offset unless it is set). */
  timezone?: string;
  /** Values outside these years are rejected records; default 1900–2200. */
  years?: YearRange;
}

/** A calendar date. Bronze keeps it as `YYYY-MM-DD` text; silver as DATE. */
export interface DateValue {
  type: "date";
  /** `iso` (`YYYY-MM-DD`, the default) or a pattern of `yyyy`, `MM`, `MMM`, `dd`… as for timestamps. */
  format?: "iso" | (string & {});
  /** Values outside these years are rejected records; default 1900–2200. */
  years?: YearRange;
}

/** A nested object; kept as a Parquet STRUCT in bronze, flattened with `_` in silver. */
export interface StructValue {
  type: "struct";
  fields: Field[];
}

/** A JSON array whose items are all of one type (null items allowed); a Parquet LIST in bronze, kept in silver. */
export interface ListValue {
  type: "list";
  items: ValueType;
}

/** The type of a value: what a field or a list's items hold. */
export type ValueType = ScalarValue | TimestampValue | DateValue | StructValue | ListValue;

/** What every field has beside its type. */
export interface FieldBase {
  /** The column's name: `[A-Za-z_][A-Za-z0-9_]*`. */
  name: string;
  /** The key as the data writes it, when it is not `name` (`"US Gross"`, `"Beak Length (mm)"`). */
  from?: string;
  /**
   * The field's earlier names, newest first (same type): bronze files and silver partitions
   * written under any of them are read under `name` (`coalesce(name, newest, …, oldest)`), with
   * no rewrite. New data is written under `name` only. One name, or a list when the field was
   * renamed more than once (a → b → c: `renamedFrom: ["b", "a"]` on `c`).
   */
  renamedFrom?: string | readonly string[];
  /** A record without it (absent, null, or for a string blank after trimming) is rejected. */
  required?: boolean;
  description?: string;
}

/** A scalar field of a record. */
export type ScalarField = FieldBase & ScalarValue;
/** A timestamp field of a record. */
export type TimestampField = FieldBase & TimestampValue;
/** A date field of a record. */
export type DateField = FieldBase & DateValue;
/** A nested object of a record. */
export type StructField = FieldBase & StructValue;
/** A list of a record. */
export type ListField = FieldBase & ListValue;

/** A field of a record. */
export type Field = ScalarField | TimestampField | DateField | StructField | ListField;

/** What defines a dataset. */
export interface DatasetSpec {
  /** Dataset name: `[a-z][a-z0-9_]*`, used in keys, table names and metrics. */
  name: string;
  /** Landing keys under this prefix belong to the dataset (e.g. `car_telemetry/`). */
  landingPrefix: string;
  /**
   * Where a JSON document keeps its records, as a dot path to an array (`"features"`,
   * `"data.items"`); the rest of the document is not a record. Each top-level value of a
   * file (the document, or each NDJSON line) is such a document. Default: the values
   * themselves (or a top-level array's elements) are the records.
   */
  records?: string;
  /** The record schema. Fields it does not name are kept, as JSON text, in `_extra`. */
  fields: Field[];
  /** How silver is built: cleansing, derived columns, partitions, dedup, retention. */
  silver?: SilverSpec;
  /** Gold tables merged from silver: keys, aggregates, partitioning. */
  gold?: GoldSpec;
  /** What the alarms watch on AWS (see {@link MonitoringSpec}). */
  monitoring?: MonitoringSpec;
}

/** The thresholds of a dataset's alarms. */
export interface MonitoringSpec {
  /** Alarm when more than this share of an hour's records is quarantined (0–1; default 0.05). */
  maxQuarantineRate?: number;
  /** Alarm when no file arrived for this many minutes (default: no freshness alarm). */
  expectedEveryMinutes?: number;
}

/** The years a timestamp or date may fall in when its field does not say. */
export const DEFAULT_YEARS: YearRange = { min: 1900, max: 2200 };

/**
 * The key a field is read from in the data: its `from`, else its name.
 * @param field a field of a spec
 */
export const sourceKey = (field: FieldBase): string => field.from ?? field.name;
