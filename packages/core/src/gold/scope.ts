import type { YearMonthDayPartition } from "../silver/spec";
import type { Expr } from "../sql/ast";
import { and, binary, column, lit, or } from "../sql/ast";
import { GoldSpecError } from "./errors";
import type { GoldDimension, GoldTable } from "./spec";
import type { WindowValues } from "./windows";
import { windowNumber } from "./windows";

/**
 * A recomputed window owns the gold rows its silver rows could have produced. Gold rows keep
 * no silver partition values, so ownership is read from the dimensions that carry them: a
 * dimension that is a silver partition column itself (`year` = `event_year`), or the
 * calendar date of the timestamp silver is partitioned by. Without ownership, a group that
 * vanished from a window (a car whose manufacturer changed) would stay in gold for ever.
 */

/** Why a window column is pinned on the gold side: a dimension equal to it, or the date dimension. */
interface Pins {
  byColumn: Map<string, GoldDimension>;
  date?: GoldDimension;
}

const isColumn = (dimension: GoldDimension, name: string): boolean =>
  dimension.expr.kind === "column" && dimension.expr.path.length === 1 && dimension.expr.path[0] === name;

const isDateOf = (dimension: GoldDimension, from: string): boolean =>
  dimension.expr.kind === "date" &&
  dimension.expr.of.kind === "column" &&
  dimension.expr.of.path.length === 1 &&
  dimension.expr.of.path[0] === from;

function pinsOf(table: GoldTable, partition: YearMonthDayPartition): Pins {
  const names =
    table.window === "month" ? [partition.year, partition.month] : [partition.year, partition.month, partition.day];
  const byColumn = new Map<string, GoldDimension>();
  for (const name of names) {
    const dimension = table.dimensions.find((d) => isColumn(d, name));
    if (dimension) byColumn.set(name, dimension);
  }
  const date = table.dimensions.find((d) => isDateOf(d, partition.from));
  const unpinned = names.filter((name) => !byColumn.has(name));
  if (unpinned.length && !date) {
    throw new GoldSpecError(
      `gold table ${table.name}: cannot tell which of its rows a recomputed ${table.window} owns, so groups that vanish from it could never be deleted; ` +
        `add a dimension equal to silver's ${unpinned.join(", ")} or the date of ${partition.from}`,
    );
  }
  return { byColumn, ...(unpinned.length && date ? { date } : {}) };
}

/**
 * Checks that a gold table's rows can be tied to silver's windows (see {@link ownedRows}),
 * throwing a {@link GoldSpecError} naming the missing dimension otherwise.
 * @param table the gold table spec
 * @param partition silver's year/month/day partition columns and the timestamp they come from
 */
export function checkWindowOwnership(table: GoldTable, partition: YearMonthDayPartition): void {
  pinsOf(table, partition);
}

const isoDate = (year: number, month: number, day: number): string =>
  `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;

/** Options of {@link ownedRows}. */
export interface OwnedRowsOptions {
  table: GoldTable;
  /** The recomputed windows, by silver partition column (as {@link windowsOf} gives them). */
  windows: readonly WindowValues[];
  partition: YearMonthDayPartition;
  /** Alias of the gold table in the statement. */
  alias: string;
}

/**
 * The condition, on gold rows, selecting those the windows own, as `IN` lists that grow a few
 * bytes per window (never an OR per window): the years of the dimension equal to silver's year
 * first (on Iceberg it is usually a partition, so Athena prunes), then the windows' numbers over
 * the dimensions equal to partition columns (see {@link windowNumber}), or the dates of a day
 * window by the date dimension. Only a month window pinned by its date alone is a range per window.
 * @param options table, windows, silver's partition columns, the gold table's alias
 * @example renderExpr(ownedRows({ table: manufacturerDaily, windows: [{ event_year: 2024, event_month: 6, event_day: 1 }], partition, alias: "g" }), { dialect: "athena" })
 * // (("g"."year" IN (2024)) AND ("g"."month" IN (6)) AND ("g"."date" IN (DATE '2024-06-01')))
 */
export function ownedRows({ table, windows, partition, alias }: OwnedRowsOptions): Expr {
  const pins = pinsOf(table, partition);
  if (windows.length === 0) return lit(false);
  const at = (dimension: GoldDimension): Expr => column(alias, dimension.name);
  const windowValue = (values: WindowValues, name: string): number => {
    const value = values[name];
    if (value === undefined)
      throw new GoldSpecError(`gold table ${table.name}: window ${JSON.stringify(values)} has no ${name}`);
    return value;
  };
  const date = (year: number, month: number, day: number): Expr => ({
    kind: "dateLiteral",
    value: isoDate(year, month, day),
  });
  const names =
    table.window === "month" ? [partition.year, partition.month] : [partition.year, partition.month, partition.day];
  // Each dimension equal to a window column, as its own IN list: what Iceberg prunes partitions by.
  const pinned = (name: string): Expr[] => {
    const dimension = pins.byColumn.get(name);
    if (!dimension) return [];
    const values = [...new Set(windows.map((values) => windowValue(values, name)))];
    return [{ kind: "in", expr: at(dimension), values: values.map((value) => lit(value)) }];
  };
  const terms: Expr[] = names.flatMap(pinned);
  if (!pins.date) {
    // Every window column is a dimension: for several windows, one number per window keeps only theirs.
    if (windows.length > 1) {
      const dimensions = names.map((name) => pins.byColumn.get(name)!);
      terms.push({
        kind: "in",
        expr: windowNumber(dimensions.map(at)),
        values: windows.map((values) => lit(windowNumber(names.map((name) => windowValue(values, name))))),
      });
    }
    return and(...terms);
  }
  const dayOf = (values: WindowValues) =>
    [partition.year, partition.month, partition.day].map((name) => windowValue(values, name)) as [
      number,
      number,
      number,
    ];
  if (table.window === "day") {
    terms.push({ kind: "in", expr: at(pins.date), values: windows.map((values) => date(...dayOf(values))) });
    return and(...terms);
  }
  const months = windows.map((values) => {
    const y = windowValue(values, partition.year);
    const m = windowValue(values, partition.month);
    const next = m === 12 ? date(y + 1, 1, 1) : date(y, m + 1, 1);
    return and(binary(at(pins.date!), ">=", date(y, m, 1)), binary(at(pins.date!), "<", next));
  });
  return and(...terms, or(...months));
}

/**
 * The gold partition a window's rows are written to, as a string: the `partitionBy` dimensions'
 * values where the window fixes them (a dimension equal to a window column, or the date of a day
 * window); a partition column the window does not fix makes every window its own partition, so
 * a statement's partition count is never under-estimated.
 * @param table the gold table spec
 * @param partition silver's year/month/day partition columns and the timestamp they come from
 * @example goldPartitionOf(carMonthly, partition)({ event_year: 2024, event_month: 6 }) // "2024/6"
 */
export function goldPartitionOf(table: GoldTable, partition: YearMonthDayPartition): (values: WindowValues) => string {
  const pins = pinsOf(table, partition);
  const columnOf = new Map([...pins.byColumn].map(([name, dimension]) => [dimension.name, name]));
  const fixed = table.partitionBy.every(
    (name) => columnOf.has(name) || (table.window === "day" && pins.date?.name === name),
  );
  return (values) =>
    fixed
      ? table.partitionBy
          .map((name) => {
            const column = columnOf.get(name);
            return column === undefined
              ? [partition.year, partition.month, partition.day].map((part) => values[part]).join("-")
              : String(values[column]);
          })
          .join("/")
      : JSON.stringify(values);
}
