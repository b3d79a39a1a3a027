import type { Expr } from "../sql/ast";
import { and, binary, column, lit } from "../sql/ast";
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
 * One integer per window, from its date parts (`year × 10⁴ + month × 10² + day`, or `year × 10² +
 * month` for a month): a window set becomes one `IN` list of numbers, a few bytes per window,
 * instead of an OR of ANDs whose text and expression depth grow three terms per window.
 * @param parts the window's date parts, year first (expressions or numbers)
 */
export function windowNumber(parts: readonly number[]): number;
export function windowNumber(parts: readonly Expr[]): Expr;
export function windowNumber(parts: readonly (number | Expr)[]): number | Expr {
  const scales = parts.length === 3 ? [10_000, 100, 1] : [100, 1];
  if (parts.every((part) => typeof part === "number"))
    return parts.reduce((sum, part, i) => sum + part * scales[i]!, 0);
  const terms = parts.map((part, i) => {
    const expr = typeof part === "number" ? lit(part) : part;
    return scales[i] === 1 ? expr : binary(expr, "*", lit(scales[i]!));
  });
  return terms.reduce((sum, term) => binary(sum, "+", term));
}

/**
 * The silver filter selecting every partition of the given windows: each partition column as a
 * plain `IN` of the values it takes (predicates every engine prunes partitions or row groups
 * by), then, for several windows, their numbers as one more `IN` (see {@link windowNumber}),
 * so only the windows' own partitions pass. Athena evaluates them against each partition's values.
 * @param windows window values, each with the same partition columns, year first
 */
export function windowFilter(windows: readonly WindowValues[]): Expr {
  if (windows.length === 0) return lit(false);
  const names = Object.keys(windows[0]!);
  const terms: Expr[] = names.map((name) => ({
    kind: "in",
    expr: column(name),
    values: [...new Set(windows.map((values) => values[name]!))].map((value) => lit(value)),
  }));
  if (windows.length > 1)
    terms.push({
      kind: "in",
      expr: windowNumber(names.map((name) => column(name))),
      values: windows.map((values) => lit(windowNumber(names.map((name) => values[name]!)))),
    });
  return and(...terms);
}
