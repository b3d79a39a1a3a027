import type { DuckDBConnection, DuckDBDecimalValue, DuckDBValueConverter, Json } from "@duckdb/node-api";
import type { DatasetSpec } from "@medallion/core/dataset";
import { bronzeParquetSchema } from "@medallion/core/dataset";
import { literal, quoteIdentifier, renderType } from "@medallion/core/sql";
import { CONTINUED_SEGMENT } from "../services/s3-store";
import { duckdb } from "./duckdb-api";
import { prefixFiles } from "./files";

const { DuckDBTypeId, JsonDuckDBValueConverter, StatementType } = duckdb;

/** The catalog the lake's views live in: DuckDB's in-memory one, never the lake's database file. */
export const VIEW_CATALOG = "memory";

/** Schemas of the views over the lake's files: `bronze.<dataset>`, `silver.<dataset>`, `quarantine.<dataset>`. */
export const VIEW_SCHEMAS = ["bronze", "silver", "quarantine"] as const;

/** One statement's result, as `medallion query` shows it. */
export interface ReadResult {
  columns: { name: string; type: string }[];
  /**
   * Rows as JSON values: integers as numbers while exact (within ±2^53 − 1), beyond as
   * decimal strings; decimals as numbers when the number prints back the same digits, else
   * strings; dates, times and timestamps as DuckDB prints them.
   */
  rows: Record<string, Json>[];
}

/** A statement `medallion query` does not run: it would write, and the lake changes only through the pipeline. */
export class ReadOnlyError extends Error {
  override name = "ReadOnlyError";
}

// SELECT also covers SHOW, DESCRIBE, SUMMARIZE, PRAGMA show_tables, VALUES and FROM-first queries.
const READS = new Set<number>([StatementType.SELECT, StatementType.EXPLAIN]);

/**
 * Runs each statement of `text` in a read-only transaction and returns one result per statement.
 * Every statement is prepared (and its kind checked) before any runs, so a write among reads
 * runs nothing: {@link ReadOnlyError} names it.
 * @param connection a connection whose views are in place
 * @param text one or more statements
 */
export async function readStatements(connection: DuckDBConnection, text: string): Promise<ReadResult[]> {
  const extracted = await connection.extractStatements(text);
  if (extracted.count === 0) throw new ReadOnlyError("no statement to run");
  const prepared = [];
  for (let index = 0; index < extracted.count; index++) {
    const statement = await extracted.prepare(index);
    if (!READS.has(statement.statementType))
      throw new ReadOnlyError(
        `statement ${index + 1} is ${StatementType[statement.statementType] ?? "a write"}: medallion query only reads (SELECT, SHOW, DESCRIBE, EXPLAIN); the lake changes only through the pipeline`,
      );
    prepared.push(statement);
  }
  await connection.run("BEGIN TRANSACTION READ ONLY");
  try {
    const results: ReadResult[] = [];
    for (const statement of prepared) {
      const reader = await statement.runAndReadAll();
      const types = reader.columnTypes();
      results.push({
        columns: reader.columnNames().map((name, i) => ({ name, type: types[i]!.toString() })),
        rows: reader.convertRowObjects(exactJson) as Record<string, Json>[],
      });
    }
    return results;
  } finally {
    await connection.run("ROLLBACK");
  }
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// JSON as DuckDB gives it, but numbers as numbers while they are exact.
const exactJson: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT: {
      const integer = value as bigint;
      return integer <= SAFE && integer >= -SAFE ? Number(integer) : integer.toString();
    }
    case DuckDBTypeId.DECIMAL: {
      const text = (value as DuckDBDecimalValue).toString();
      const number = Number(text);
      return Number.isFinite(number) && number.toFixed((value as DuckDBDecimalValue).scale) === text ? number : text;
    }
    default:
      return JsonDuckDBValueConverter(value, type, converter);
  }
};

/** The quarantine view of a dataset: `quarantine.<dataset>`. @param dataset dataset name */
export const quarantineTable = (dataset: string) => ({ database: "quarantine", name: dataset });

/** The view bronze is read through: its Parquet files, or no rows of the spec's columns while there are none. */
export function bronzeView(spec: DatasetSpec, files: string[]): string {
  if (files.length)
    return `SELECT * FROM read_parquet([${files.map((path) => literal(path)).join(", ")}], union_by_name = true, hive_partitioning = true)`;
  const [, ...elements] = bronzeParquetSchema(spec.fields);
  const columns: string[] = [];
  for (let index = 0; index < elements.length; ) {
    const [type, next] = duckdbType(elements, index);
    columns.push(`CAST(NULL AS ${type}) AS ${quoteIdentifier(elements[index]!.name)}`);
    index = next;
  }
  return `SELECT ${[...columns, "CAST(NULL AS DATE) AS ingest_date"].join(", ")} WHERE false`;
}

type ParquetElement = ReturnType<typeof bronzeParquetSchema>[number];

// The DuckDB type of the Parquet schema element at `index`, and the index after its subtree.
function duckdbType(elements: ParquetElement[], index: number): [string, number] {
  const element = elements[index]!;
  if (element.num_children) {
    let next = index + 1;
    const children: { name: string; type: string }[] = [];
    for (let child = 0; child < element.num_children; child++) {
      const [type, after] = duckdbType(elements, next);
      children.push({ name: elements[next]!.name, type });
      next = after;
    }
    // A Parquet LIST is a group holding a repeated group holding the element.
    if (element.converted_type === "LIST") {
      const [itemType] = duckdbType(elements, index + 2);
      return [`${itemType}[]`, next];
    }
    return [`STRUCT(${children.map(({ name, type }) => `${quoteIdentifier(name)} ${type}`).join(", ")})`, next];
  }
  const logical = element.logical_type?.type;
  if (logical === "DATE" || element.converted_type === "DATE") return ["DATE", index + 1];
  if (logical === "TIMESTAMP") return ["TIMESTAMP", index + 1];
  switch (element.type) {
    case "BOOLEAN":
      return ["BOOLEAN", index + 1];
    case "INT32":
      return ["INTEGER", index + 1];
    case "INT64":
      return ["BIGINT", index + 1];
    case "FLOAT":
      return ["FLOAT", index + 1];
    case "DOUBLE":
      return ["DOUBLE", index + 1];
    default:
      return ["VARCHAR", index + 1];
  }
}

const QUARANTINE_COLUMNS =
  "kind VARCHAR, source_key VARCHAR, etag VARCHAR, line BIGINT, record_index BIGINT, reason VARCHAR, raw VARCHAR, quarantined_at VARCHAR, object_key VARCHAR";

/**
 * What `quarantine.<dataset>` reads: every rejected record (`kind` = `record`: the landing file,
 * its line and position, the reason, the record's text) and every file quarantined whole
 * (`kind` = `file`: the reason; the file itself is the object at `object_key`).
 * @param options the dataset, s3rver's directory and the quarantine bucket
 */
export async function quarantineView({
  dataset,
  s3Directory,
  bucket,
}: {
  dataset: string;
  s3Directory: string;
  bucket: string;
}): Promise<string> {
  const root = `${s3Directory}/${bucket}/`;
  const files = await prefixFiles(s3Directory, `s3://${bucket}/${dataset}/`);
  const records = files.filter((path) => path.endsWith(".rejected.ndjson._S3rver_object"));
  const reasons = files.filter((path) => path.endsWith(".reason.json._S3rver_object"));
  // The object's key: its path under the bucket's folder, without s3rver's suffix (long segments joined back).
  const key = (suffix: string) =>
    `replace(substr(filename, ${root.length + 1}, length(filename) - ${root.length + "._S3rver_object".length + suffix.length}), '${CONTINUED_SEGMENT}/', '')`;
  const list = (paths: string[]) => `[${paths.map((path) => literal(path)).join(", ")}]`;
  const parts: string[] = [];
  if (records.length)
    parts.push(
      `SELECT 'record' AS kind, source_key, etag, line, "index" AS record_index, reason, raw, NULL AS quarantined_at, ${key("")} AS object_key FROM read_json(${list(records)}, format = 'newline_delimited', columns = {source_key: 'VARCHAR', etag: 'VARCHAR', line: 'BIGINT', index: 'BIGINT', reason: 'VARCHAR', raw: 'VARCHAR'}, filename = true)`,
    );
  if (reasons.length)
    parts.push(
      `SELECT 'file' AS kind, source_key, etag, NULL AS line, NULL AS record_index, reason, NULL AS raw, quarantined_at, ${key(".reason.json")} AS object_key FROM read_json(${list(reasons)}, format = 'auto', columns = {source_key: 'VARCHAR', etag: 'VARCHAR', reason: 'VARCHAR', quarantined_at: 'VARCHAR'}, filename = true)`,
    );
  const typed = `SELECT * FROM (VALUES (${QUARANTINE_COLUMNS.split(", ")
    .map((c) => `CAST(NULL AS ${c.split(" ")[1]})`)
    .join(", ")})) AS t(${QUARANTINE_COLUMNS.split(", ")
    .map((c) => c.split(" ")[0])
    .join(", ")}) WHERE false`;
  return [typed, ...parts].join(" UNION ALL ");
}

/**
 * Adds what a read session shows beside the pipeline's views: `quarantine.<dataset>` for every
 * dataset, and an empty stand-in for every gold table not created yet (in the in-memory
 * catalog, under schemas to put on the search path). `drop` removes the stand-ins, which must
 * not outlive the read: a pipeline creating the real table would find them first.
 * @param connection the engine's connection
 * @param options datasets, s3rver's directory, quarantine bucket (no quarantine views without it)
 */
export async function readViews(
  connection: DuckDBConnection,
  {
    datasets,
    s3Directory,
    quarantineBucket,
    lakeCatalog,
  }: { datasets: DatasetSpec[]; s3Directory: string; quarantineBucket?: string; lakeCatalog?: string },
): Promise<{ schemas: string[]; drop(): Promise<void> }> {
  for (const spec of datasets) {
    if (!quarantineBucket) break;
    const view = await quarantineView({ dataset: spec.name, s3Directory, bucket: quarantineBucket });
    const { database, name } = quarantineTable(spec.name);
    await connection.run(
      `CREATE OR REPLACE VIEW ${VIEW_CATALOG}.${quoteIdentifier(database)}.${quoteIdentifier(name)} AS ${view}`,
    );
  }
  const existing = await connection.runAndReadAll("SELECT schema_name, table_name FROM duckdb_tables()");
  const tables = new Set(existing.getRowObjectsJson().map((row) => `${row.schema_name}.${row.table_name}`));
  const lakeSchemas = new Set(
    lakeCatalog === undefined
      ? []
      : (
          await connection.runAndReadAll(
            `SELECT schema_name FROM duckdb_schemas() WHERE database_name = ${literal(lakeCatalog)}`,
          )
        )
          .getRowObjectsJson()
          .map((row) => String(row.schema_name)),
  );
  const standIns: string[] = [];
  const schemas = new Set<string>();
  for (const spec of datasets) {
    const database = spec.gold?.database ?? "gold";
    for (const table of spec.gold?.tables ?? []) {
      if (tables.has(`${database}.${table.name}`)) continue;
      // Loaded only when a stand-in is needed: a lake that has run once has every table.
      const { goldColumns } = await import("@medallion/core/gold");
      const columns = goldColumns(table).map(
        ({ name, type }) => `CAST(NULL AS ${renderType(type, "duckdb")}) AS ${quoteIdentifier(name)}`,
      );
      const view = `${VIEW_CATALOG}.${quoteIdentifier(database)}.${quoteIdentifier(table.name)}`;
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${VIEW_CATALOG}.${quoteIdentifier(database)}`);
      await connection.run(`CREATE OR REPLACE VIEW ${view} AS SELECT ${columns.join(", ")} WHERE false`);
      standIns.push(view);
      // A schema found on the path hides the same schema further on: the lake's own tables first.
      if (lakeSchemas.has(database)) schemas.add(`${lakeCatalog}.${database}`);
      schemas.add(`${VIEW_CATALOG}.${database}`);
    }
  }
  return {
    schemas: [...schemas],
    async drop() {
      for (const view of standIns) await connection.run(`DROP VIEW IF EXISTS ${view}`);
    },
  };
}
