import { describe, expect, it } from "vitest";
import type { Expr, Query, TableRef } from "../../src/sql/ast";
import { and, binary, call, column, lit, or } from "../../src/sql/ast";
import { InvalidLiteralError, SqlError } from "../../src/sql/errors";
import { renderExpr, renderQuery } from "../../src/sql/render";

const athena = { dialect: "athena" } as const;
const table: TableRef = { database: "silver", name: "t" };
const eq = (name: string, value: number): Expr => binary(column(name), "=", lit(value));

describe("renderExpr", () => {
  it("joins conditions n-ary, TRUE or FALSE when there are none, the condition itself when there is one", () => {
    // Act
    const rendered = [
      and(),
      or(),
      and(eq("a", 1)),
      and(eq("a", 1), eq("b", 2), eq("c", 3)),
      or(eq("a", 1), eq("b", 2)),
    ];
    // Assess
    expect(rendered.map((e) => renderExpr(e, athena))).toEqual([
      "TRUE",
      "FALSE",
      `("a" = 1)`,
      `(("a" = 1) AND ("b" = 2) AND ("c" = 3))`,
      `(("a" = 1) OR ("b" = 2))`,
    ]);
  });

  it("renders ORs and ANDs flat however they were nested, so 5,000 partitions stay one level deep for Trino", () => {
    // Prepare: an OR built one term at a time, as a loop would, and nested trees given as is.
    let chained: Expr = eq("p", 0);
    for (let i = 1; i < 5_000; i++) chained = or(chained, eq("p", i));
    const nested: Expr = {
      kind: "or",
      terms: [{ kind: "or", terms: [eq("a", 1), { kind: "or", terms: [eq("b", 2)] }] }, eq("c", 3)],
    };
    // Act
    const sql = renderExpr(chained, athena);
    // Assess
    expect(sql.startsWith(`(("p" = 0) OR ("p" = 1) OR`)).toBe(true);
    expect(sql.match(/\(\(/g)).toHaveLength(1);
    expect(chained.kind === "or" && chained.terms).toHaveLength(5_000);
    expect(renderExpr(nested, athena)).toBe(`(("a" = 1) OR ("b" = 2) OR ("c" = 3))`);
    expect(renderExpr(and(and(eq("a", 1), eq("b", 2)), eq("c", 3)), athena)).toBe(
      `(("a" = 1) AND ("b" = 2) AND ("c" = 3))`,
    );
  });

  it("refuses calls with the wrong number of arguments, DISTINCT outside aggregates, bad dates and positions", () => {
    // Act
    const renders = [
      () => renderExpr(call("round", column("a")), athena),
      () => renderExpr({ kind: "call", fn: "upper", args: [column("a")], distinct: true }, athena),
      () => renderExpr({ kind: "call", fn: "count", args: [], distinct: true }, athena),
      () => renderExpr({ kind: "ordinal", position: 0 }, athena),
    ];
    // Assess
    for (const render of renders) expect(render).toThrow(SqlError);
    expect(() => renderExpr({ kind: "dateLiteral", value: "2024-1-5" }, athena)).toThrow(InvalidLiteralError);
  });
});

describe("renderQuery", () => {
  it("writes a WHERE's top-level conjunction bare and a UNION ALL's members bare unless they order or limit", () => {
    // Prepare
    const plain: Query = {
      kind: "select",
      columns: [{ expr: column("a") }],
      from: { kind: "table", table },
      where: and(eq("a", 1), or(eq("b", 2), eq("c", 3))),
    };
    const limited: Query = { ...plain, where: eq("a", 1), orderBy: [{ expr: column("a") }], limit: 1 };
    // Act
    const sql = renderQuery({ kind: "unionAll", queries: [plain, limited] }, athena);
    // Assess
    expect(sql).toBe(
      `SELECT "a" FROM "silver"."t" WHERE ("a" = 1) AND (("b" = 2) OR ("c" = 3)) UNION ALL (SELECT "a" FROM "silver"."t" WHERE ("a" = 1) ORDER BY "a" LIMIT 1)`,
    );
  });
});
