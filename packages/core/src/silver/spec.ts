/**
 * How a dataset becomes silver: all of it is configuration, so a new dataset needs a spec
 * section, not code. Column names are the flattened bronze names (`metrics_trip_tripMileage`).
 */

/** A cleansing rule for a string column. Every string column is also trimmed. */
export type CleanseRule = "lower" | "upper" | "title_case";

/** A derived column: `numerator / denominator × scale`, NULL when the denominator is 0 or missing. */
export interface RatioColumn {
  name: string;
  kind: "ratio";
  numerator: string;
  denominator: string;
  /** Multiplier, e.g. 100 for a percentage; default 1. */
  scale?: number;
}

/** One way a record's origin is recognised: the landing key it came from starts with `prefix`. */
export interface OriginRule {
  /** Landing key prefix, e.g. `operations/online/`. */
  prefix: string;
  /** The origin's name, e.g. `online`. */
  value: string;
}

/**
 * A derived column naming each row's origin (e.g. `origem` = `online` | `batch`): the record's
 * own `field` when it carries one, otherwise the first rule whose prefix starts the landing key
 * (`_source_key`), otherwise NULL.
 */
export interface OriginColumn {
  name: string;
  kind: "origin";
  /** A string column of the record that, when present and not blank, names the origin. */
  field?: string;
  rules: OriginRule[];
}

/** A derived column. */
export type DerivedColumn = RatioColumn | OriginColumn;

/** Date partitions as three integer columns (year, month, day) from a timestamp column (UTC). */
export interface YearMonthDayPartition {
  from: string;
  year: string;
  month: string;
  day: string;
}

/** A date partition as one integer column `yyyymmdd` (e.g. `anomesdia` = 20240501) from a timestamp column (UTC). */
export interface DateKeyPartition {
  from: string;
  yyyymmdd: string;
}

/** How silver is partitioned. */
export type PartitionSpec = YearMonthDayPartition | DateKeyPartition;

/**
 * Where silver is written. A catalog `table` (which wins when both are given) or a plain S3
 * `path`. Default: the lake's silver table of the dataset.
 */
export interface SilverTargetSpec {
  /** Glue/local catalog table; either part defaults to the lake's silver database and the dataset name. */
  table?: { database?: string; name?: string };
  /**
   * A plain S3 location `s3://bucket/prefix/`, partitioned by the spec's partition columns.
   * Each rewrite goes to a new version prefix under it; `_partitions.json` there names the
   * current location of every partition (readers skip `_` files).
   */
  path?: string;
}

/** Silver section of a dataset spec. */
export interface SilverSpec {
  /** Rules per (flattened) column, applied after trimming. */
  cleanse?: Record<string, CleanseRule>;
  /** Columns computed from the flattened, cleansed ones. */
  derived?: DerivedColumn[];
  /** Date partitions derived from a timestamp column (UTC). */
  partition: PartitionSpec;
  /**
   * Keep one row per `key` (which must include the partition columns, so dedup stays inside a
   * partition): the first by `order`, ties broken by source key and record index, descending.
   */
  dedup: { key: string[]; order: { column: string; descending?: boolean }[] };
  /** Where silver is written; default the lake's silver table of the dataset. */
  target?: SilverTargetSpec;
  /** Days a replaced partition version is kept for rollback before it is deleted. */
  retentionDays: number;
}
