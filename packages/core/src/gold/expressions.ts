import type { Expr } from "../sql/ast";
import { binary, call, cast, lit } from "../sql/ast";
import { GoldSpecError } from "./errors";
import type { GoldAggregate, GoldExpr, GoldTable } from "./spec";

/**
 * A dimension's expression over one silver row: a silver expression, or the calendar date of one.
 * @param value the dimension's expression
 */
export function goldExpr(value: GoldExpr): Expr {
  return value.kind === "date" ? cast(value.of, "date") : value;
}

/** Decimal places computed doubles are rounded to. */
export const GOLD_DOUBLE_DIGITS = 9;

/**
 * An aggregate over the rows of a group. `first`/`last` keep NULL values of `of` on both
 * engines (see the `min_by`/`max_by` functions of the SQL tree). Computed doubles (sums,
 * averages, ratios, differences) are rounded to {@link GOLD_DOUBLE_DIGITS} places: a
 * distributed sum adds in a different order each run, and its last bits must not turn a
 * re-run into an update.
 * @param aggregate the aggregate
 * @param table the table it belongs to (derived aggregates name others of it)
 */
export function aggregateExpr(aggregate: GoldAggregate, table: GoldTable): Expr {
  const expr = unrounded(aggregate, table);
  const computed =
    aggregate.kind === "sum" ||
    aggregate.kind === "avg" ||
    aggregate.kind === "ratio" ||
    aggregate.kind === "difference";
  return computed && (aggregate.type ?? "double") === "double" ? call("round", expr, lit(GOLD_DOUBLE_DIGITS)) : expr;
}

function unrounded(aggregate: GoldAggregate, table: GoldTable): Expr {
  const named = (name: string): Expr => {
    const found = table.aggregates.find((a) => a.name === name);
    if (!found) throw new GoldSpecError(`gold table ${table.name}: ${aggregate.name} names unknown aggregate ${name}`);
    return unrounded(found, table);
  };
  switch (aggregate.kind) {
    case "count":
      return call("count");
    case "countDistinct":
      return { kind: "call", fn: "count", args: [aggregate.of], distinct: true };
    case "sum":
    case "avg":
    case "min":
    case "max":
      return call(aggregate.kind, aggregate.of);
    case "first":
      return call("min_by", aggregate.of, aggregate.by);
    case "last":
      return call("max_by", aggregate.of, aggregate.by);
    case "ratio": {
      const denominator = named(aggregate.denominator);
      const quotient = binary(cast(named(aggregate.numerator), "double"), "/", denominator);
      return {
        kind: "case",
        whens: [{ when: binary(denominator, "<>", lit(0)), then: binary(quotient, "*", lit(aggregate.scale ?? 1)) }],
      };
    }
    case "difference":
      return binary(named(aggregate.minuend), "-", named(aggregate.subtrahend));
  }
}
