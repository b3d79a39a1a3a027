import { S3Client } from "@aws-sdk/client-s3";
import { knownDatasets } from "@medallion/core/datasets";
import type { SqlEngine } from "@medallion/core/engine";
import { catalogDirectory, localCatalog } from "../catalog/index";
import { duckdbEngine, lakeDatabaseFile } from "../engine/index";
import type { DuckDbEngine } from "../engine/index";
import type { LocalServices } from "../services/index";

/** Options of {@link runQuery}. */
export interface QueryOptions {
  sql: string;
  /** Print an array of row objects instead of a table. */
  json: boolean;
  /** The engine over the local lake (see {@link openQueryEngine}). */
  engine: SqlEngine;
}

/**
 * Opens the DuckDB engine over the embedded lake, with every known dataset's tables
 * (`bronze.<dataset>`, `silver.<dataset>`) named; close it when done.
 * @param options running services and the state directory
 */
export async function openQueryEngine({ services, dataDir }: { services: LocalServices; dataDir: string }): Promise<DuckDbEngine & { destroy(): void }> {
  const { env } = services;
  const s3 = new S3Client({
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL_S3,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const engine = await duckdbEngine({
    s3,
    s3Directory: services.s3.directory,
    catalog: localCatalog({ directory: catalogDirectory(dataDir) }),
    datasets: Object.values(knownDatasets()),
    buckets: { bronze: services.names.Bronze!, silver: services.names.Silver! },
    databaseFile: lakeDatabaseFile(dataDir),
  });
  return {
    ...engine,
    destroy() {
      engine.close();
      s3.destroy();
    },
  };
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
  const { columns, rows } = await engine.run(sql);
  if (json) return JSON.stringify(rows, null, 2);
  const cells = rows.map((row) => columns.map((name) => cell(row[name])));
  const widths = columns.map((name, c) => Math.max(name.length, ...cells.map((r) => r[c]!.length)));
  const line = (values: string[]): string => values.map((v, c) => v.padEnd(widths[c]!)).join(" | ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("-+-");
  return [line(columns), rule, ...cells.map(line), `(${rows.length} row${rows.length === 1 ? "" : "s"})`].join("\n");
}
