import { describe, expect, it } from "vitest";
import { boxTable } from "../../src/commands/query";
import type { ReadResult } from "../../src/engine/reads";

const result = (rows: Record<string, string | number | null>[], types: Record<string, string>): ReadResult => ({
  columns: Object.entries(types).map(([name, type]) => ({ name, type })),
  rows,
});

describe("boxTable", () => {
  it("lays a result out as DuckDB's shell does: names and types, numbers right-aligned, NULL spelled out", () => {
    // Act
    const text = boxTable(
      result(
        [
          { name: "long value", n: 7, price: 1.5 },
          { name: null, n: 1234, price: null },
        ],
        { name: "VARCHAR", n: "BIGINT", price: "DECIMAL(3,2)" },
      ),
    );
    // Assess
    expect(text.split("\n")).toEqual([
      "┌────────────┬───────┬──────────────┐",
      "│    name    │   n   │    price     │",
      "│  varchar   │ int64 │ decimal(3,2) │",
      "├────────────┼───────┼──────────────┤",
      "│ long value │     7 │          1.5 │",
      "│ NULL       │  1234 │         NULL │",
      "└────────────┴───────┴──────────────┘",
      "  2 rows",
    ]);
  });

  it("shows the first and last 20 of more rows, and says how many there are", () => {
    // Act
    const text = boxTable(
      result(
        Array.from({ length: 100 }, (_, i) => ({ i })),
        { i: "INTEGER" },
      ),
    );
    const lines = text.split("\n");
    // Assess
    expect(lines).toHaveLength(4 + 41 + 2);
    expect(lines[4]).toBe("│     0 │");
    expect(lines[24]).toBe("│   ·   │");
    expect(lines[44]).toBe("│    99 │");
    expect(lines.at(-1)).toBe("  100 rows (40 shown)");
  });

  it("cuts a table wider than the terminal: long values first, then middle columns behind a … column", () => {
    // Prepare
    const wide = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`column_${i}`, `value ${"x".repeat(30)} ${i}`]),
    );
    const types = Object.fromEntries(Object.keys(wide).map((name) => [name, "VARCHAR"]));
    // Act
    const text = boxTable(result([wide], types), { width: 80 });
    const lines = text.split("\n");
    // Assess
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(80);
    expect(lines[1]).toMatch(/^│\s+column_0\s+│\s+column_1\s+│ … │\s+column_11\s+│$/);
    expect(lines[4]).toMatch(/^│ value xxxxxxxxxxxxx…/);
    expect(lines.at(-1)).toBe("  1 row, 12 columns (3 shown: the terminal is 80 wide)");
  });
});
