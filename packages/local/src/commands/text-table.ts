/**
 * Lays rows out as a plain-text table: a header row, columns padded to their widest
 * cell, two spaces apart, trailing blanks trimmed. Cells are single-line (newlines become
 * spaces). `paint` styles a column's cells after padding, so colour never breaks alignment.
 * @param headers column titles
 * @param rows cell texts, one array per row
 * @param options.paint per column index, how to style a (padded) cell
 * @example textTable(["ID", "STATUS"], [["j-1", "completed"]])
 */
export function textTable(
  headers: string[],
  rows: string[][],
  { paint = {} }: { paint?: Record<number, (cell: string) => string> } = {},
): string {
  const clean = (cell: string) => cell.replace(/\s*\n\s*/g, " ");
  const all = [headers, ...rows].map((row) => row.map(clean));
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  return all
    .map((row, index) =>
      row
        .map((cell, column) => {
          const padded = cell.padEnd(widths[column]!);
          const style = index > 0 ? paint[column] : undefined;
          return style ? style(cell) + padded.slice(cell.length) : padded;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/**
 * An ISO timestamp shortened for a terminal: `2026-11-24 01:02:03` (UTC, as stored).
 * @param iso an ISO-8601 timestamp
 */
export function shortTime(iso: string | undefined): string {
  return iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "";
}

/**
 * A duration for a person: `420 ms`, `3.2 s`, `4 min 05 s`, `2 h 03 min`.
 * @param ms milliseconds
 */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")} min`;
}

/**
 * Cuts text to `max` characters with an ellipsis.
 * @param text the text
 * @param max most characters kept
 */
export function ellipsis(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A copy of our own stored data (journey metadata, step details) with every key in camelCase
 * (`window_from` → `windowFrom`), at every depth: the one key style of `--json`. Not for
 * records (congregado samples, query rows), whose keys are the data's.
 * @param value plain JSON data
 */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
      camelKeys(inner),
    ]),
  );
}
