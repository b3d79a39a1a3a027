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

/** A derived column. */
export type DerivedColumn = RatioColumn;

/** Silver section of a dataset spec. */
export interface SilverSpec {
  /** Rules per (flattened) column, applied after trimming. */
  cleanse?: Record<string, CleanseRule>;
  /** Columns computed from the flattened, cleansed ones. */
  derived?: DerivedColumn[];
  /** Date partitions derived from a timestamp column (UTC). */
  partition: { from: string; year: string; month: string; day: string };
  /**
   * Keep one row per `key` (which must include the partition columns, so dedup stays inside a
   * partition): the first by `order`, ties broken by source key and record index, descending.
   */
  dedup: { key: string[]; order: { column: string; descending?: boolean }[] };
  /** Days a replaced partition version is kept for rollback before it is deleted. */
  retentionDays: number;
}
