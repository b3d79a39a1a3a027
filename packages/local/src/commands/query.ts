import type { DuckDbEngine } from "../engine/index";
import { localSilverDependencies } from "../engine/index";
import type { LocalServices } from "../services/index";

/** Options of {@link runQuery}. */
export interface QueryOptions {
  sql: string;
  /** Print an array of row objects instead of a table. */
  json: boolean;
  /** The engine over the local lake (see {@link openQueryEngine}). */
  engine: Pick<DuckDbEngine, "sql">;
}

/**
 * Opens the DuckDB engine over the embedded lake, with every known dataset's tables
 * (`bronze.<dataset>`, `silver.<dataset>`) named; close it when done.
 * @param options running services and the state directory
 */
export async function openQueryEngine({
  services,
  dataDir,
}: {
  services: LocalServices;
  dataDir: string;
}): Promise<Pick<DuckDbEngine, "sql"> & { destroy(): void }> {
  // The same engine the pipeline's silver steps use locally, over the same catalog and files.
  const lake = await localSilverDependencies({ services, dataDir });
  return { sql: (text) => lake.engine.sql(text), destroy: () => lake.close() };
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * `medallion query "<sql>" [--json]`: runs SQL on the local lake, where tables are named
 * `<layer>.<dataset>` (e.g. `silver.car_telemetry`), and returns what to print: a table, or
 * with `json` an array of row objects.
 * @param options SQL, output format and engine
 * @example console.log(await runQuery({ sql: "SELECT count(*) FROM silver.car_telemetry", json: true, engine }));
 */
export async function runQuery({ sql, json, engine }: QueryOptions): Promise<string> {
  const { columns, rows } = await engine.sql(sql);
  if (json) return JSON.stringify(rows, null, 2);
  const cells = rows.map((row) => columns.map((name) => cell(row[name])));
  const widths = columns.map((name, c) => Math.max(name.length, ...cells.map((r) => r[c]!.length)));
  const line = (values: string[]): string =>
    values
      .map((v, c) => v.padEnd(widths[c]!))
      .join(" | ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("-+-");
  return [line(columns), rule, ...cells.map(line), `(${rows.length} row${rows.length === 1 ? "" : "s"})`].join("\n");
}
