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
