import type { AsyncBuffer } from "hyparquet";
import { parquetMetadataAsync, parquetRead } from "hyparquet";
import type { PartitionSpec } from "./spec";

/** A date partition's values, by partition column name. */
export type PartitionValues = Record<string, number>;

/**
 * The partition column names of a partition spec, in path order.
 * @param partition the spec's partition section
 */
export function partitionColumnNames(partition: PartitionSpec): string[] {
  return "yyyymmdd" in partition ? [partition.yyyymmdd] : [partition.year, partition.month, partition.day];
}

/**
 * The UTC date partition of a timestamp as the SQL engines compute it (ISO-8601 text without
 * an offset is read as UTC), or undefined when it does not parse.
 * @param value bronze value: ISO text, Date or epoch milliseconds
 * @param partition the spec's partition columns
 */
export function partitionOf(value: unknown, partition: PartitionSpec): PartitionValues | undefined {
  let time: number;
  if (value instanceof Date) time = value.getTime();
  else if (typeof value === "number" || typeof value === "bigint") time = Number(value);
  else if (typeof value === "string") {
    const text = value.trim();
    const hasZone = /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(text) && /T|\s\d/.test(text);
    time = Date.parse(hasZone || !/\d{2}:\d{2}/.test(text) ? text : `${text}Z`);
  } else return undefined;
  if (!Number.isFinite(time)) return undefined;
  const date = new Date(time);
  if ("yyyymmdd" in partition)
    return {
      [partition.yyyymmdd]: date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate(),
    };
  return {
    [partition.year]: date.getUTCFullYear(),
    [partition.month]: date.getUTCMonth() + 1,
    [partition.day]: date.getUTCDate(),
  };
}

/** The partitions a column of timestamps falls in, and how many of its values fall in none. */
export interface ColumnPartitions {
  partitions: PartitionValues[];
  rows: number;
  withoutTimestamp: number;
}

/**
 * The distinct partitions of a bronze file's partition column, as {@link partitionOf} gives
 * each value's. Values written as ISO-8601 UTC text (`2024-05-01T08:00:00.000Z`, what sources
 * mostly send) are grouped by their date without parsing each one: `Date.parse` and a
 * partition object per row were most of the time to plan a million rows. Anything else, or
 * text whose time of day is out of range, takes {@link partitionOf} itself.
 * @param values the column's values, in any order
 * @param partition the spec's partition columns
 */
export function partitionsOfColumn(values: Iterable<unknown>, partition: PartitionSpec): ColumnPartitions {
  const tally = new PartitionTally(partition);
  tally.add(values);
  return tally.result();
}

/**
 * {@link partitionsOfColumn} fed a chunk at a time: it keeps one entry per distinct partition
 * and date, never the values, so a column of any length is tallied in the memory of one chunk.
 * @example const tally = new PartitionTally(spec.silver.partition); for (const chunk of chunks) tally.add(chunk);
 */
export class PartitionTally {
  private readonly found = new Map<string, PartitionValues>();
  // Per UTC date text: the partition its first value gave (undefined: the date does not parse).
  private readonly byDate = new Map<string, PartitionValues | undefined>();
  private rows = 0;
  private withoutTimestamp = 0;
  // A run of values of one date gives the same object: keyed once per run, not per row.
  private last: PartitionValues | undefined;

  /** @param partition the spec's partition columns */
  constructor(private readonly partition: PartitionSpec) {}

  /**
   * Tallies more values of the column.
   * @param values values, in any order
   * @returns how many of them fall in no partition
   */
  add(values: Iterable<unknown>): number {
    const before = this.withoutTimestamp;
    for (const value of values) {
      this.rows += 1;
      let of: PartitionValues | undefined;
      if (typeof value === "string" && isUtcIsoText(value)) {
        const date = value.slice(0, 10);
        if (this.byDate.has(date)) of = this.byDate.get(date);
        else {
          of = partitionOf(value, this.partition);
          this.byDate.set(date, of);
        }
      } else of = partitionOf(value, this.partition);
      if (!of) this.withoutTimestamp += 1;
      else if (of !== this.last) {
        this.found.set(partitionKey(of), of);
        this.last = of;
      }
    }
    return this.withoutTimestamp - before;
  }

  /** The partitions and counts of every value added so far. */
  result(): ColumnPartitions {
    return { partitions: [...this.found.values()], rows: this.rows, withoutTimestamp: this.withoutTimestamp };
  }
}

/** Rows of the partition column decoded at once: a few MB, whatever the file's size. */
const PARTITION_READ_ROWS = 100_000;

/**
 * The partitions of a bronze Parquet file's rows, from its partition timestamp: a top-level
 * column, or a struct's field (`properties.time`). Only the footer and that column's chunks are
 * read, a few row groups at a time, and only their tally is kept: memory follows the
 * partitions, not the rows (a 1.5 GB landing file holds millions of timestamps).
 * @param file the Parquet file (ranged reads of an S3 object, or a local file)
 * @param path the partition timestamp's field path in bronze ({@link partitionSourcePath})
 * @param partition the spec's partition columns
 * @param options bytes of the first footer read
 */
export async function parquetPartitions(
  file: AsyncBuffer,
  path: string[],
  partition: PartitionSpec,
  { initialFetchSize }: { initialFetchSize?: number } = {},
): Promise<ColumnPartitions> {
  const metadata = await parquetMetadataAsync(file, { initialFetchSize });
  const tally = new PartitionTally(partition);
  const field = (value: unknown): unknown =>
    path.slice(1).reduce<unknown>((inner, step) => (inner as Record<string, unknown> | null)?.[step], value);
  let rowStart = 0;
  let groupEnd = 0;
  for (const group of metadata.row_groups) {
    groupEnd += Number(group.num_rows);
    if (groupEnd - rowStart < PARTITION_READ_ROWS && group !== metadata.row_groups.at(-1)) continue;
    await parquetRead({
      file,
      metadata,
      columns: [path[0]!],
      rowStart,
      rowEnd: groupEnd,
      onChunk: ({ columnData }) => tally.add(path.length > 1 ? Array.from(columnData, field) : columnData),
    });
    rowStart = groupEnd;
  }
  return tally.result();
}

/**
 * Whether text is `YYYY-MM-DDThh:mm:ss[.fff…]Z` with the time of day in range: such text's UTC
 * date is its first ten characters (whether that date exists is left to {@link partitionOf},
 * once per date). Reads `text[start, end)` in place, so a value inside a longer string is
 * checked without cutting it out.
 * @param text the text, or a string holding it
 * @param start where it starts in `text`
 * @param end where it ends in `text`
 */
export function isUtcIsoText(text: string, start = 0, end: number = text.length): boolean {
  const n = end - start;
  if (n < 20 || text.charCodeAt(end - 1) !== 90 /* Z */ || text.charCodeAt(start + 10) !== 84 /* T */) return false;
  for (let i = 0; i < 19; i++) {
    const code = text.charCodeAt(start + i);
    const expected = SEPARATORS[i];
    if (expected === undefined ? !isDigit(code) : code !== expected) return false;
  }
  if (n > 20) {
    if (n === 21 || text.charCodeAt(start + 19) !== 46 /* . */) return false;
    for (let i = start + 20; i < end - 1; i++) if (!isDigit(text.charCodeAt(i))) return false;
  }
  const hour = (text.charCodeAt(start + 11) - 48) * 10 + text.charCodeAt(start + 12) - 48;
  // Minutes and seconds below 60: their tens digit below 6.
  return hour < 24 && text.charCodeAt(start + 14) < 54 && text.charCodeAt(start + 17) < 54;
}

// Character codes at the fixed separators of `YYYY-MM-DDThh:mm:ss` (digits elsewhere).
const SEPARATORS: (number | undefined)[] = [];
for (const [at, char] of [
  [4, "-"],
  [7, "-"],
  [10, "T"],
  [13, ":"],
  [16, ":"],
] as const)
  SEPARATORS[at] = char.charCodeAt(0);

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/**
 * Hive path of a partition: `event_year=2024/event_month=1/event_day=5` (values unpadded, as
 * Athena UNLOAD and DuckDB COPY write them).
 * @param values partition values in column order
 */
export function partitionPath(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}=${value}`)
    .join("/");
}

/**
 * Parses a Hive partition path back to values (integers where they look like integers).
 * @param path e.g. `event_year=2024/event_month=1/event_day=5`
 */
export function parsePartitionPath(path: string): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const segment of path.split("/").filter(Boolean)) {
    const at = segment.indexOf("=");
    const raw = decodeURIComponent(segment.slice(at + 1));
    values[segment.slice(0, at)] = /^-?\d+$/.test(raw) ? Number(raw) : raw;
  }
  return values;
}

/** Stable key of a partition for maps and sorting. @param values partition values */
export const partitionKey = (values: Record<string, string | number>): string => partitionPath(values);

/**
 * A date partition as one sortable integer, `yyyymmdd`: the order of partitions in time, so a
 * run of consecutive partitions is one range of ordinals.
 * @param values partition values
 * @param partition the spec's partition columns
 * @example partitionOrdinal({ event_year: 2024, event_month: 1, event_day: 5 }, carTelemetry.silver.partition) // 20240105
 */
export function partitionOrdinal(values: Record<string, string | number>, partition: PartitionSpec): number {
  const value = (name: string): number => Number(values[name]);
  if ("yyyymmdd" in partition) return value(partition.yyyymmdd);
  return value(partition.year) * 10_000 + value(partition.month) * 100 + value(partition.day);
}

/**
 * The days of some partitions as sorted, distinct `yyyymmdd` ordinals: what the ledger records
 * of the partitions a bronze file touched (independent of how the spec names its columns).
 * @param partitions partition values
 * @param partition the spec's partition columns
 */
export function partitionDays(partitions: Record<string, string | number>[], partition: PartitionSpec): number[] {
  return [...new Set(partitions.map((values) => partitionOrdinal(values, partition)))].sort((a, b) => a - b);
}

/**
 * The partition of a day ordinal, the inverse of {@link partitionOrdinal}.
 * @param day `yyyymmdd`
 * @param partition the spec's partition columns
 * @example partitionOfDay(20240105, carTelemetry.silver.partition) // { event_year: 2024, event_month: 1, event_day: 5 }
 */
export function partitionOfDay(day: number, partition: PartitionSpec): PartitionValues {
  if ("yyyymmdd" in partition) return { [partition.yyyymmdd]: day };
  return {
    [partition.year]: Math.floor(day / 10_000),
    [partition.month]: Math.floor(day / 100) % 100,
    [partition.day]: day % 100,
  };
}
