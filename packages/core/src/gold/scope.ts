import type { YearMonthDayPartition } from "../silver/spec";
import type { Expr } from "../sql/ast";
import { and, binary, column, lit, or } from "../sql/ast";
import { GoldSpecError } from "./errors";
import type { GoldDimension, GoldTable } from "./spec";
import type { WindowValues } from "./windows";

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
 * The condition, on gold rows, selecting those the windows own. Dimensions equal to
 * partition columns are compared first (on Iceberg they are usually the partitions, so
 * Athena prunes); the date dimension only pins what they leave open.
 * @param options table, windows, silver's partition columns, the gold table's alias
 * @example renderExpr(ownedRows({ table: manufacturerDaily, windows: [{ event_year: 2024, event_month: 6, event_day: 1 }], partition, alias: "g" }), { dialect: "athena" })
 * // (("g"."year" = 2024) AND ("g"."month" = 6) AND ("g"."date" = DATE '2024-06-01'))
 */
export function ownedRows({ table, windows, partition, alias }: OwnedRowsOptions): Expr {
  const pins = pinsOf(table, partition);
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
  const owned = windows.map((values) => {
    const terms = [...pins.byColumn].map(([name, dimension]) =>
      binary(at(dimension), "=", lit(windowValue(values, name))),
    );
    if (pins.date) {
      const year = windowValue(values, partition.year);
      const month = windowValue(values, partition.month);
      if (table.window === "day") {
        terms.push(binary(at(pins.date), "=", date(year, month, windowValue(values, partition.day))));
      } else {
        const next = month === 12 ? date(year + 1, 1, 1) : date(year, month + 1, 1);
        terms.push(binary(at(pins.date), ">=", date(year, month, 1)), binary(at(pins.date), "<", next));
      }
    }
    return and(...terms);
  });
  return or(...owned);
}
