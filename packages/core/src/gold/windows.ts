import type { Expr } from "../sql/ast";
import { and, binary, column, lit, or } from "../sql/ast";
import { GoldSpecError } from "./errors";
import type { GoldWindow } from "./spec";

/** Names of silver's date partition columns. */
export interface SilverDateColumns {
  year: string;
  month: string;
  day: string;
}

/** Partition values of one window (a month: year and month; a day: year, month and day). */
export type WindowValues = Record<string, number>;

/**
 * The windows a gold table must recompute for the affected silver partitions: each
 * partition's month (or day), deduplicated and sorted.
 * @param partitions affected silver partitions' values
 * @param window the table's window
 * @param columns silver's date partition column names
 * @example windowsOf([{ event_year: 2024, event_month: 1, event_day: 5 }], "month", names) // [{ event_year: 2024, event_month: 1 }]
 */
export function windowsOf(
  partitions: readonly Record<string, string | number>[],
  window: GoldWindow,
  columns: SilverDateColumns,
): WindowValues[] {
  const names = window === "month" ? [columns.year, columns.month] : [columns.year, columns.month, columns.day];
  const found = new Map<string, WindowValues>();
  for (const partition of partitions) {
    const values: WindowValues = {};
    for (const name of names) {
      const value = Number(partition[name]);
      if (!Number.isInteger(value))
        throw new GoldSpecError(`silver partition ${JSON.stringify(partition)} has no integer ${name}`);
      values[name] = value;
    }
    found.set(names.map((name) => String(values[name]).padStart(4, "0")).join("-"), values);
  }
  return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, values]) => values);
}

/**
 * The silver filter selecting every partition of the given windows.
 * @param windows window values
 */
export function windowFilter(windows: readonly WindowValues[]): Expr {
  return or(
    ...windows.map((values) =>
      and(...Object.entries(values).map(([name, value]) => binary(column(name), "=", lit(value)))),
    ),
  );
}

/**
 * Splits windows into consecutive chunks of at most `size`.
 * @param windows windows in order
 * @param size most windows per chunk
 */
export function chunk<T>(windows: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new GoldSpecError(`chunk size must be a positive integer, got ${size}`);
  const chunks: T[][] = [];
  for (let start = 0; start < windows.length; start += size) chunks.push(windows.slice(start, start + size));
  return chunks;
}
