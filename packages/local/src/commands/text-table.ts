/**
 * Lays rows out as a plain-text table: a header row, columns padded to their widest
 * cell, two spaces apart, trailing blanks trimmed. Cells are single-line (newlines become spaces).
 * @param headers column titles
 * @param rows cell texts, one array per row
 * @example textTable(["ID", "STATUS"], [["j-1", "completed"]])
 */
export function textTable(headers: string[], rows: string[][]): string {
  const clean = (cell: string) => cell.replace(/\s*\n\s*/g, " ");
  const all = [headers, ...rows].map((row) => row.map(clean));
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/**
 * An ISO timestamp shortened for a terminal: `2026-11-24 01:02:03`.
 * @param iso an ISO-8601 timestamp
 */
export function shortTime(iso: string | undefined): string {
  return iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "";
}

/**
 * Cuts text to `max` characters with an ellipsis.
 * @param text the text
 * @param max most characters kept
 */
export function ellipsis(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
