import type { ReadResult } from "../engine/reads";
import type { ErrorJson } from "./errors";
import { errorJson, UsageError } from "./errors";
import type { CommandContext } from "./index";
import { readLake } from "./lake";
import type { Style } from "./output";

/** What `medallion query --json` prints: one result per statement, or the error. */
export interface QueryJson {
  results: ReadResult[];
  error: ErrorJson | null;
}

/** `medallion query "<sql>"`: reads the lake (through the process holding it, when one does) and prints. */
export async function execute(context: CommandContext): Promise<number> {
  const { out } = context;
  const sql = context.positionals.join(" ").trim();
  if (!sql)
    throw new UsageError(
      `medallion query needs SQL, e.g. medallion query "SELECT * FROM silver.car_telemetry LIMIT 10"`,
    );
  let results: ReadResult[];
  try {
    results = await readLake(context.dataDir, sql);
  } catch (error) {
    // The same document on failure; a refused write is a usage error.
    if (context.json) out.json({ results: [], error: errorJson(error) } satisfies QueryJson);
    else out.note(`medallion query: ${(error as Error).message}`);
    return (error as Error).name === "ReadOnlyError" ? 2 : 1;
  }
  if (context.json) out.json({ results, error: null } satisfies QueryJson);
  else out.print(results.map((result) => boxTable(result, { width: out.width, style: out.style })).join("\n\n"));
  return 0;
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

// DuckDB's own short names of its types, as its shell prints them.
const SHORT_TYPES: Record<string, string> = {
  TINYINT: "int8",
  SMALLINT: "int16",
  INTEGER: "int32",
  BIGINT: "int64",
  HUGEINT: "int128",
  UTINYINT: "uint8",
  USMALLINT: "uint16",
  UINTEGER: "uint32",
  UBIGINT: "uint64",
  UHUGEINT: "uint128",
};

/** Most rows a table shows: the first and last half, as DuckDB's shell does. */
const MAX_ROWS = 40;
/** The width a cut column keeps. */
const CUT_WIDTH = 20;

/**
 * Lays out one result as DuckDB's shell does: a box, each column headed by its name and type,
 * numbers right-aligned, NULL spelled out, the middle rows left out past 40, and, when it is
 * wider than `width`, long values cut and middle columns left out (a `…` column stands for them).
 * @param result one statement's result
 * @param options the width to fit (none: no cutting), colours
 */
export function boxTable(result: ReadResult, { width, style }: { width?: number; style?: Style } = {}): string {
  const paint: Style = style ?? ((_, text) => text);
  const rows =
    result.rows.length > MAX_ROWS
      ? [...result.rows.slice(0, MAX_ROWS / 2), undefined, ...result.rows.slice(-MAX_ROWS / 2)]
      : result.rows;
  let columns = result.columns.map((column) => {
    const type = SHORT_TYPES[column.type] ?? column.type.toLowerCase();
    const cells = rows.map((row) => (row === undefined ? "·" : cellText(row[column.name])));
    return {
      name: column.name,
      type,
      cells,
      numeric: NUMERIC.test(column.type),
      width: Math.max(column.name.length, type.length, ...cells.map((cell) => cell.length), 1),
    };
  });
  const total = () => columns.reduce((sum, column) => sum + column.width + 3, 1);
  if (width !== undefined && total() > width)
    columns = columns.map((column) => ({
      ...column,
      width: Math.min(column.width, Math.max(CUT_WIDTH, column.name.length)),
    }));
  const shownColumns = columns.length;
  if (width !== undefined && total() > width) {
    // Keep columns from both ends, alternately, while they fit beside a `…` column.
    const keep: typeof columns = [];
    const right: typeof columns = [];
    const gap = { name: "…", type: "", cells: rows.map(() => "…"), numeric: false, width: 1 };
    let left = 0;
    let end = columns.length - 1;
    const fits = (next: (typeof columns)[number]) =>
      [...keep, gap, ...right, next].reduce((sum, column) => sum + column.width + 3, 1) <= width;
    while (left <= end) {
      const next = (keep.length <= right.length ? columns[left] : columns[end])!;
      if (!fits(next)) break;
      if (keep.length <= right.length) keep.push(columns[left++]!);
      else right.unshift(columns[end--]!);
    }
    columns = [...keep, gap, ...right];
  }
  const fit = (text: string, size: number) => (text.length > size ? `${text.slice(0, size - 1)}…` : text);
  const centre = (text: string, size: number) => {
    const cut = fit(text, size);
    const before = Math.floor((size - cut.length) / 2);
    return " ".repeat(before) + cut + " ".repeat(size - cut.length - before);
  };
  const rule = (left: string, middle: string, right: string) =>
    left + columns.map((column) => "─".repeat(column.width + 2)).join(middle) + right;
  const line = (cells: string[]) => `│ ${cells.join(" │ ")} │`;
  const lines = [
    rule("┌", "┬", "┐"),
    line(columns.map((column) => paint("bold", centre(column.name, column.width)))),
    line(columns.map((column) => paint("dim", centre(column.type, column.width)))),
    rule("├", "┼", "┤"),
    ...rows.map((row, index) =>
      line(
        columns.map((column) => {
          const text = fit(column.cells[index]!, column.width);
          if (row === undefined) return centre(text, column.width);
          const padded = column.numeric ? text.padStart(column.width) : text.padEnd(column.width);
          return text === "NULL" ? paint("dim", padded) : padded;
        }),
      ),
    ),
    rule("└", "┴", "┘"),
  ];
  const count = `${result.rows.length} row${result.rows.length === 1 ? "" : "s"}${rows.length < result.rows.length ? ` (${MAX_ROWS} shown)` : ""}`;
  const shown = columns.filter((column) => column.name !== "…" || column.type !== "").length;
  const cut = shown < shownColumns ? `, ${shownColumns} columns (${shown} shown: the terminal is ${width} wide)` : "";
  return [...lines, `  ${count}${cut}`].join("\n");
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.replace(/\r?\n/g, "\\n").replace(/\t/g, " ");
}
