import { randomUUID } from "node:crypto";
import { existsSync, rmSync, statSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { DatasetSpec } from "@medallion/core/dataset";
import { eachLimit } from "@medallion/core/dynamo";
import type { QueryResult, SqlEngine } from "@medallion/core/engine";
import { QueryFailedError } from "@medallion/core/engine";
import { athena, utf8Bytes } from "@medallion/core/limits";
import type { SilverColumns } from "@medallion/core/silver";
import { parseS3Uri, silverColumns } from "@medallion/core/silver";
import type { FirstPerGroup, PartitionLocation, SqlType, Statement, TableRef } from "@medallion/core/sql";
import {
  literal,
  quoteIdentifier,
  readTables,
  readUris,
  renderAthena,
  renderDuckDb,
  renderTable,
  renderType,
  UnsupportedStatementError,
} from "@medallion/core/sql";
import type { LocalCatalog } from "../catalog/index";
import { StorageWriteError } from "../services/errors";
import { duckdb } from "./duckdb-api";
import { folderKey, moveObjectFolder, objectPath, prefixFiles, prefixPath, stagingDirectory } from "./files";
import type { ReadResult } from "./reads";
import { bronzeView, ReadOnlyError, readStatements, readViews, VIEW_CATALOG, VIEW_SCHEMAS } from "./reads";

/** Options of {@link duckdbEngine}. */
export interface DuckDbEngineOptions {
  /** S3 client of the embedded endpoint: an unload checks through it that its location is empty (without it, the engine is read-only). */
  s3?: S3Client;
  /** s3rver's directory: reads go straight to the files behind the objects. */
  s3Directory: string;
  catalog: LocalCatalog;
  /** Datasets whose `bronze.<name>` and `silver.<name>` tables statements (and SQL text) may name. */
  datasets?: DatasetSpec[];
  /** The lake's buckets (quarantine: where `quarantine.<dataset>` reads rejected records from). */
  buckets: { bronze: string; silver: string; quarantine?: string };
  /**
   * DuckDB database file holding the tables the lake keeps in DuckDB itself (gold), so they
   * outlive the process; in memory when absent. One process writes it at a time.
   */
  databaseFile?: string;
  /**
   * Opens `databaseFile` read-only (and only if it exists), for a reader beside no writer:
   * `medallion query` when no medallion process holds the data directory.
   */
  readOnly?: boolean;
  /**
   * DuckDB's memory budget to start with, in MB (its `memory_limit`; past it, sorts, joins and
   * windows spill to a temporary folder). A statement that still runs out of memory (a
   * partitioned write holds buffers for every open partition) doubles it, up to DuckDB's own
   * default (80% of the machine's memory), and runs again. Default {@link DUCKDB_MEMORY_START_MB}.
   */
  memoryLimitMB?: number;
  /** DuckDB's worker threads (its `threads`); default one per core (`availableParallelism()`). */
  threads?: number;
  /** The most Parquet bytes of a silver snapshot read once into DuckDB (see {@link SILVER_CACHE_BYTES}); default that. */
  silverCacheBytes?: number;
}

/**
 * The largest silver snapshot (its Parquet files' bytes) the engine reads into a DuckDB table
 * once, rather than from its files in every statement. A gold plan runs up to ten statements
 * over the same snapshot (checks, counts, MERGEs, per table), each reading every silver file
 * through the view: a five-year backfill is 1,600 files of a few rows, where opening the files,
 * not their rows, is the cost (~0.4 s a statement; from the table, ~0.02 s). The table is
 * `silver.<dataset>` itself (a table, not a view, in the in-memory catalog), replaced when the
 * catalog's snapshot changes (a run's commit); past DuckDB's memory budget it spills like any
 * other. A larger snapshot stays a view over its files.
 */
export const SILVER_CACHE_BYTES = 32 * 1024 ** 2;

/**
 * The most bytes of input an UNLOAD into silver may read for the rows it writes to be kept in
 * DuckDB after it (one table per statement, its result, built before its COPY writes it): a
 * snapshot read into a table over its partitions (gold's, next) then takes them from there, not
 * from its files. A five-year backfill writes 1,600 files of six rows: reading them back cost ~1 s
 * of CPU (DuckDB's cost per file and column), as much as writing them. Worth it for few rows in
 * many files; the 1M-record run (7.6 MB of bronze, a few large files per partition) keeps none.
 * Kept rows are dropped once a snapshot of their dataset is read.
 */
export const KEPT_UNLOAD_INPUT_BYTES = 2 * 1024 ** 2;

/**
 * The most bytes of input (the files an UNLOAD reads: bronze's, and silver's for a window over
 * history) an UNLOAD reads with all of DuckDB's threads; a larger one runs on one thread. Its
 * window and partitioned write hold state per thread outside the memory budget: at two threads,
 * ~70 MB more on three 0.5 GB landing files (issue 12: 5.5M records, ~42 MB of bronze Parquet),
 * the largest peak of the whole run. 16 MB is twice the 1M-record run's bronze (7.6 MB), whose
 * silver query took 3–4 s on one thread against DuckDB's 1.0–1.3 s on all (issue 18), and well
 * below three 0.5 GB files' bronze: those and three 1.5 GB files (~125 MB) keep one thread.
 */
export const ONE_THREAD_UNLOAD_BYTES = 16 * 1024 ** 2;

/**
 * DuckDB threads an UNLOAD runs on: one when its input is over {@link ONE_THREAD_UNLOAD_BYTES}
 * (a memory bound); otherwise the engine's, at most one per file read. DuckDB splits a Parquet
 * scan by row group, and a small file is one: a second thread on one file only adds its own
 * window and partition writers. The backfill's 100-partition statements over one bronze file
 * took ~2× as long on two threads as on one.
 * @param input the bytes and the number of the files the UNLOAD reads
 * @param threads the engine's threads
 * @param limit the most input bytes read on more than one thread
 * @example unloadThreads({ bytes: 7.5 * 1024 ** 2, files: 10 }, 2) // 2: the 1M-record run's bronze
 */
export function unloadThreads(
  input: { bytes: number; files: number },
  threads: number,
  limit: number = ONE_THREAD_UNLOAD_BYTES,
): number {
  return input.bytes > limit ? 1 : Math.max(1, Math.min(threads, input.files));
}

/**
 * Where DuckDB's memory budget starts in the embedded stack. Left alone, DuckDB takes up to 80%
 * of the machine's memory: on the 1M-record run it held ~400 MB beside the process's ~300 MB,
 * against a goal of 512 MB in all (issue 18). 64 MB covers that run's window and writes (the rest
 * spills); a 100-partition write of the car telemetry needs about 100 MB, and gets it on its
 * first run out of memory.
 */
export const DUCKDB_MEMORY_START_MB = 64;

/**
 * DuckDB settings that bound what it holds outside its memory budget, beside the process's own
 * ~250 MB (issue 12: three 1.5 GB files through `run --landing` under 512 MB; the silver write
 * of 5.5M records peaked at 503 MB on 3 × 0.5 GB, 436 MB with these):
 * - `allocator_flush_threshold`: DuckDB gives freed memory back to the system after a task only
 *   past this peak (default 128 MB), so each statement's memory stayed resident through the
 *   states after it (CommitSilver 395 → 288 MB, gold 354 → 330 MB).
 * - `partitioned_write_flush_threshold`: a PARTITION_BY write (silver's UNLOAD) buffers this many
 *   rows per thread before writing them out (default 524,288): one row group's worth.
 * - `write_buffer_row_group_count`: row groups buffered before a write flushes them (default 5).
 */
const DUCKDB_BOUNDED_BUFFERS: Record<string, string> = {
  allocator_flush_threshold: "16MB",
  partitioned_write_flush_threshold: "122880",
  write_buffer_row_group_count: "1",
};

/** The DuckDB engine, which holds an embedded database until closed. */
export interface DuckDbEngine extends SqlEngine {
  /**
   * Runs SQL text in DuckDB's dialect on the local lake, where `bronze.<dataset>` and
   * `silver.<dataset>` name the datasets the text mentions: ad-hoc queries (`medallion
   * query`, tests), never the pipeline's statements.
   * @param text SQL text
   */
  sql(text: string): Promise<QueryResult>;
  /**
   * Runs the statements of SQL text read-only, as `medallion query` does: every table of the
   * lake named (`bronze.<dataset>`, `silver.<dataset>`, `quarantine.<dataset>`, gold tables,
   * empty ones too), statements that would write refused before any runs ({@link ReadOnlyError}),
   * one result per statement. Runs between the pipeline's statements, so it sees what they wrote.
   * @param text one or more statements
   */
  read(text: string): Promise<ReadResult[]>;
  /**
   * Interrupts the statement running (DuckDB rolls it back) and refuses any later one; resolves
   * once none runs. Ctrl-C calls it before {@link DuckDbEngine.close}: closing a connection while
   * a statement runs blocks the process (no signal is handled any more).
   */
  stop(): Promise<void>;
  /** Closes the database; a statement still running is interrupted first, and the database closed once it has unwound. */
  close(): void;
}

/** Athena's refusal of a request (StartQueryExecution), as the SDK raises it. */
export class InvalidRequestException extends Error {
  override name = "InvalidRequestException";
}

// A query Athena ran and failed, with its reason as Athena gives it.
const athenaFailure = (reason: string): QueryFailedError =>
  new QueryFailedError(`Athena-equivalent query failed: ${reason}`, { reason });

/**
 * Refuses what Athena would refuse to start: query text over its limit, measured on the
 * Athena rendering of the statement (what runs on AWS). Statements Athena never runs (DuckDB's
 * own DDL) are not measured.
 * @param statement the statement
 */
function checkAthenaText(statement: Statement): void {
  let text: string;
  try {
    text = renderAthena(statement);
  } catch (error) {
    if (error instanceof UnsupportedStatementError) return;
    throw error;
  }
  const bytes = utf8Bytes(text);
  if (bytes > athena.maxQueryBytes)
    throw new InvalidRequestException(
      `1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length less than or equal to ${athena.maxQueryBytes} (the Athena text of this ${statement.kind} is ${bytes} bytes)`,
    );
}

/** The tables of a dataset as the embedded stack names them: `bronze.<dataset>`, `silver.<dataset>`. */
export const localTables = (dataset: string): { bronze: TableRef; silver: TableRef } => ({
  bronze: { database: "bronze", name: dataset },
  silver: { database: "silver", name: dataset },
});

// DuckDB ran out of its memory budget (and rolled the statement back).
const outOfMemory = (error: unknown): boolean => /Out of Memory Error/.test((error as Error).message);

/** The DuckDB file of a state directory that holds the lake's DuckDB tables (gold). @param dataDir state directory */
export const lakeDatabaseFile = (dataDir: string): string => join(dataDir, "lake.duckdb");

async function walk(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * The DuckDB adapter of the SQL-engine port, over the embedded lake. Reads go to s3rver's
 * files; an unload is a `COPY … TO` a staging directory whose files are then moved into the
 * store; partition DDL updates the local catalog. A statement may read the tables
 * `silver.<dataset>` (partitions from the catalog, as one snapshot per statement) and
 * `bronze.<dataset>`; so may SQL text given to `sql`.
 * @param options S3 client and directory, catalog, datasets, bucket names
 * @example const engine = await duckdbEngine({ s3, s3Directory: services.s3.directory, catalog, datasets: [carTelemetry], buckets });
 */
export async function duckdbEngine({
  s3,
  s3Directory,
  catalog,
  datasets = [],
  buckets,
  databaseFile,
  readOnly = false,
  memoryLimitMB = DUCKDB_MEMORY_START_MB,
  threads = availableParallelism(),
  silverCacheBytes = SILVER_CACHE_BYTES,
}: DuckDbEngineOptions): Promise<DuckDbEngine> {
  // Set explicitly rather than left to DuckDB's defaults (80% of RAM, every core). Insertion
  // order is not kept: no statement of the lake relies on it (each orders what it needs), and
  // keeping it makes COPY and window queries buffer far more. Spills go to a folder of the
  // process's own, removed on close (DuckDB's default for an in-memory database is `.tmp` in
  // the working directory).
  const spillDirectory = join(tmpdir(), `medallion-duckdb-${process.pid}-${randomUUID().slice(0, 8)}`);
  const instance = await duckdb.DuckDBInstance.create(":memory:", {
    memory_limit: `${memoryLimitMB}MB`,
    threads: String(threads),
    preserve_insertion_order: "false",
    temp_directory: spillDirectory,
    ...DUCKDB_BOUNDED_BUFFERS,
    // DuckDB's cache of file contents (in its buffer pool) keeps what it reads of each Parquet
    // file: the lake's files are read once a statement, and under a budget of tens of MB the cache
    // only churns. Reading a backfill's 1,600 silver files: ~1.6 s of CPU with it, ~1.0 s without.
    enable_external_file_cache: "false",
  });
  const connection = await instance.connect();
  const attach = databaseFile !== undefined && !(readOnly && !existsSync(databaseFile));
  if (attach) {
    try {
      // A reader of the file may hold it for a moment (medallion query beside no writer): wait for it.
      for (let waited = 0; ; waited += 100) {
        try {
          await connection.run(`ATTACH ${literal(databaseFile)} AS lake${readOnly ? " (READ_ONLY)" : ""}`);
          break;
        } catch (error) {
          if (waited >= 5000 || !/lock/i.test((error as Error).message)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      await connection.run("USE lake");
    } catch (error) {
      connection.closeSync();
      throw new Error(
        `Cannot open the local lake database ${databaseFile}: ${(error as Error).message} (is another medallion process using this data directory?)`,
        { cause: error },
      );
    }
  }
  // Same semantics as Athena's session: timestamps without an offset are UTC.
  await connection.run("SET TimeZone = 'UTC'");
  // Parquet footers are cached (DuckDB checks a file's modification time): a lake's files are
  // written once, and gold reads every silver file of its windows in each of its statements (a
  // five-year backfill: 1,600 files, six statements).
  await connection.run("SET parquet_metadata_cache = true");
  let queue: Promise<unknown> = Promise.resolve();

  // Views over the lake's files are this process's working state, not lake content: they live in
  // the in-memory catalog (never in lake.duckdb, where a reader would find stale file lists) and
  // are found by name through the search path. Views an earlier version persisted are dropped.
  if (attach && !readOnly) {
    const persisted = await connection.runAndReadAll(
      "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = 'lake' AND NOT internal",
    );
    for (const { schema_name, view_name } of persisted.getRowObjectsJson())
      await connection.run(
        `DROP VIEW lake.${quoteIdentifier(String(schema_name))}.${quoteIdentifier(String(view_name))}`,
      );
  }
  const viewSchemas = [...VIEW_SCHEMAS];
  for (const schema of viewSchemas)
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${VIEW_CATALOG}.${quoteIdentifier(schema)}`);
  const searchPath = attach ? ["lake.main", ...viewSchemas.map((schema) => `${VIEW_CATALOG}.${schema}`)] : undefined;
  if (searchPath) await connection.run(`SET search_path = ${literal(searchPath.join(","))}`);

  async function resolve(statement: Statement): Promise<(uri: string) => string[]> {
    const found = new Map<string, string[]>();
    await eachLimit(readUris(statement), 16, async (uri) => {
      found.set(uri, uri.endsWith("/") ? await prefixFiles(s3Directory, uri) : [objectPath(s3Directory, uri)]);
    });
    return (uri) => found.get(uri) ?? [];
  }

  async function query(sql: string): Promise<QueryResult> {
    try {
      const reader = await connection.runAndReadAll(sql);
      const raw = reader.getRowObjects();
      // JSON form for dates, structs and lists; integers as numbers while they are exact.
      const rows = reader.getRowObjectsJson().map((row, i) => {
        for (const [name, value] of Object.entries(raw[i]!)) {
          if (
            typeof value === "bigint" &&
            value <= BigInt(Number.MAX_SAFE_INTEGER) &&
            value >= BigInt(Number.MIN_SAFE_INTEGER)
          )
            row[name] = Number(value);
        }
        return row as Record<string, unknown>;
      });
      return { columns: reader.columnNames(), rows };
    } catch (error) {
      // A full or read-only disk under DuckDB's writes and spills: the one line the store's gets.
      const refused = StorageWriteError.of(error);
      if (refused) throw refused;
      const reason = (error as Error).message;
      throw new QueryFailedError(`DuckDB query failed: ${reason} (query: ${sql.slice(0, 300)})`, {
        reason,
        cause: error,
      });
    }
  }

  // Views are brought up to date before each statement from the catalog's current snapshot, so
  // a reader sees one version of every partition for the whole statement. A partition's
  // location is written once, so a snapshot the view already shows needs no rebuild. Only the
  // datasets a statement names: a view is always `<layer>.<dataset>`, so others cannot be reached by it.
  // A silver snapshot of up to `silverCacheBytes` of Parquet is a table under the same name
  // instead, read once (see SILVER_CACHE_BYTES): a gold plan's statements all read one snapshot.
  const shown = new Map<string, { snapshot: string; kind: "VIEW" | "TABLE" }>();
  async function replaceView(
    table: TableRef,
    snapshot: string,
    define: () => Promise<{ kind: "VIEW" | "TABLE"; select: string }>,
  ) {
    const name = `${VIEW_CATALOG}.${renderTable(table)}`;
    const current = shown.get(name);
    if (current?.snapshot === snapshot) return;
    const { kind, select } = await define();
    if (current && current.kind !== kind) await query(`DROP ${current.kind} ${name}`);
    await withinMemory(() => query(`CREATE OR REPLACE ${kind} ${name} AS ${select}`));
    shown.set(name, { snapshot, kind });
  }
  // The column telling apart the statements whose kept rows a snapshot reads (no data column
  // starts with two underscores).
  const STATEMENT_TAG = "__statement";
  // The rows this process's UNLOADs into silver kept (KEPT_UNLOAD_INPUT_BYTES), by the folder the
  // statement wrote (`s3://bucket/prefix/`): its table, and the dataset it belongs to.
  const keptRows = new Map<string, { table: TableRef; dataset: string }>();
  let unloads = 0;

  async function dropKeptRows(dataset: string): Promise<void> {
    for (const [to, kept] of keptRows)
      if (kept.dataset === dataset) {
        keptRows.delete(to);
        await query(`DROP TABLE IF EXISTS ${VIEW_CATALOG}.${renderTable(kept.table)}`);
      }
  }

  // What a silver snapshot's table is read from: the rows UNLOADs kept for the partitions they
  // wrote, and the files of the others (rendered as their view is). The kept rows are read as
  // the files would be: by name as the declared columns, beside their partition's values from
  // the catalog, only for the partitions the snapshot shows at that statement's folder.
  function snapshotTable(
    statement: Extract<Statement, { kind: "query" }>,
    columns: SilverColumns,
    partitions: PartitionLocation[],
    files: (uri: string) => string[],
  ): string {
    const byTable = new Map<TableRef, PartitionLocation[]>();
    const read: PartitionLocation[] = [];
    for (const partition of partitions) {
      const kept = [...keptRows].find(([to]) => partition.location.startsWith(to))?.[1].table;
      if (kept) byTable.set(kept, [...(byTable.get(kept) ?? []), partition]);
      else read.push(partition);
    }
    if (byTable.size === 0) return renderDuckDb(statement, { files });
    const { query } = statement;
    if (query.kind !== "select" || typeof query.from !== "object" || query.from.kind !== "partitions")
      throw new Error("a silver snapshot is a select of its partitions");
    const parts = read.length
      ? [renderDuckDb({ ...statement, query: { ...query, from: { ...query.from, partitions: read } } }, { files })]
      : [];
    // One scan of every kept table, each row tagged with its statement, joined to the values of
    // the partitions the snapshot shows in it: one join, whatever the number of statements.
    const declared = (column: { name: string; type: SqlType }) =>
      `CAST(NULL AS ${renderType(column.type, "duckdb")}) AS ${quoteIdentifier(column.name)}`;
    const tag = quoteIdentifier(STATEMENT_TAG);
    const kept = [...byTable.keys()].map(
      (table, index) => `SELECT ${index} AS ${tag}, * FROM ${VIEW_CATALOG}.${renderTable(table)}`,
    );
    const typed = [
      `SELECT CAST(NULL AS INTEGER) AS ${tag}, ${columns.data.map(declared).join(", ")} WHERE FALSE`,
      ...kept,
    ].join(" UNION ALL BY NAME ");
    const rows = [...byTable.values()].flatMap((located, index) =>
      located.map(
        ({ values }) =>
          `(${[index, ...columns.partition.map(({ name, type }) => `CAST(${literal(values[name] ?? null)} AS ${renderType(type, "duckdb")})`)].join(", ")})`,
      ),
    );
    const names = columns.partition.map(({ name }) => quoteIdentifier(name));
    const on = [
      `kept.${tag} = partition_values.${tag}`,
      ...columns.partition.map(
        ({ name, type }) =>
          `CAST(kept.${quoteIdentifier(name)} AS ${renderType(type, "duckdb")}) IS NOT DISTINCT FROM partition_values.${quoteIdentifier(name)}`,
      ),
    ];
    parts.push(
      `SELECT ${[...columns.data.map(({ name }) => `kept.${quoteIdentifier(name)}`), ...names.map((name) => `partition_values.${name}`)].join(", ")} FROM (${typed}) AS kept JOIN (VALUES ${rows.join(", ")}) AS partition_values(${[tag, ...names].join(", ")}) ON ${on.join(" AND ")}`,
    );
    return parts.join(" UNION ALL ");
  }

  // `reads`: the tables a statement reads, when known; only their views are refreshed (a gold
  // statement never binds bronze's files, so an unreadable bronze object fails no gold statement).
  // `bronzeOptional`: a bronze view that cannot be built (an unreadable object) is left as it was.
  // `cacheSilver`: a small silver snapshot may be a table (the pipeline's statements). A reader's
  // query always sees views over the files: `duckdb_views()` lists them, and the views script the
  // README documents rebuilds them in a user's own DuckDB shell.
  async function refreshViews(
    named: DatasetSpec[],
    {
      reads,
      bronzeOptional = false,
      cacheSilver = false,
    }: { reads?: TableRef[]; bronzeOptional?: boolean; cacheSilver?: boolean },
  ): Promise<void> {
    const wanted = (table: TableRef): boolean =>
      !reads || reads.some((read) => read.database === table.database && read.name === table.name);
    for (const spec of named) {
      const tables = localTables(spec.name);
      if (spec.silver && wanted(tables.silver)) {
        const columns = silverColumns(spec);
        const partitions = await catalog.partitions(tables.silver);
        // What the name shows: the snapshot, and whether a table may stand for it (a reader after a
        // run gets the view back; the next run's statements the table).
        const shows = `${JSON.stringify(partitions)}${cacheSilver ? " as a table when small" : ""}`;
        await replaceView(tables.silver, shows, async () => {
          const statement: Statement = {
            kind: "query",
            query: {
              kind: "select",
              columns: "*",
              from: {
                kind: "partitions",
                table: tables.silver,
                columns: columns.data,
                partitionColumns: columns.partition,
                partitions,
              },
            },
          };
          const files = await resolve(statement);
          const kind = cacheSilver && (await bytesRead(statement, files)) <= silverCacheBytes ? "TABLE" : "VIEW";
          if (kind === "VIEW") return { kind, select: renderDuckDb(statement, { files }) };
          return { kind, select: snapshotTable(statement, columns, partitions, files) };
        });
        // Read into the table now, or never needed by it: a later snapshot reads their files.
        if (shown.get(`${VIEW_CATALOG}.${renderTable(tables.silver)}`)?.kind === "TABLE") await dropKeptRows(spec.name);
      }
      if (!wanted(tables.bronze)) continue;
      const bronzeFiles = await prefixFiles(s3Directory, `s3://${buckets.bronze}/${spec.name}/`);
      await replaceView(tables.bronze, bronzeFiles.join("\n"), async () => ({
        kind: "VIEW",
        select: bronzeView(spec, bronzeFiles),
      })).catch((error: unknown) => {
        if (!bronzeOptional) throw error;
      });
    }
  }

  // An UNLOAD whose input is large runs on one thread (see unloadThreads).
  async function withThreads<T>(count: number, task: () => Promise<T>): Promise<T> {
    if (count === threads) return task();
    await connection.run(`SET threads = ${count}`);
    try {
      return await task();
    } finally {
      await connection.run(`SET threads = ${threads}`);
    }
  }

  // Datasets whose silver statements keep a group's first row with the window (see unload).
  const windowOnly = new Set<string>();

  // As Athena's UNLOAD: into an empty location only, at most 100 partitions per statement.
  async function unload(
    statement: Extract<Statement, { kind: "unload" }>,
    files: (uri: string) => string[],
    inputBytes: number,
  ): Promise<QueryResult> {
    if (!s3) throw new Error(`this DuckDB engine is read-only: it cannot unload to ${statement.to}`);
    const { bucket, key: prefix } = parseS3Uri(statement.to);
    const base = folderKey(prefix);
    const present = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: base, MaxKeys: 1 }));
    if (present.KeyCount)
      throw athenaFailure(`HIVE_PATH_ALREADY_EXISTS: Target directory for table already exists: ${statement.to}`);
    const directory = await stagingDirectory(s3Directory);
    let kept: { table: TableRef; dataset: string } | undefined;
    try {
      // Laid out as the store is, so the folder moves into it whole.
      const output = prefixPath(directory, statement.to);
      await mkdir(dirname(output), { recursive: true });
      // COPY answers with the rows it wrote, as Athena's UpdateCount does for an UNLOAD.
      const input = { bytes: inputBytes, files: readUris(statement).flatMap(files).length };
      const count = unloadThreads(input, threads);
      // The dataset is the prefix's first folder (`<dataset>/_v=<version>/`).
      const dataset = base.split("/")[0]!;
      const intoSilver = bucket === buckets.silver && datasets.some((spec) => spec.name === dataset);
      kept =
        intoSilver && inputBytes <= KEPT_UNLOAD_INPUT_BYTES
          ? { table: { database: "silver", name: `__unloaded_${++unloads}` }, dataset }
          : undefined;
      const copy = (firstPerGroup: FirstPerGroup) =>
        withThreads(count, async () => {
          if (!kept) return query(renderDuckDb(statement, { files, unloadDirectory: output, firstPerGroup }));
          // The result first, kept; then the COPY of it.
          const table = `${VIEW_CATALOG}.${renderTable(kept.table)}`;
          await query(
            `CREATE OR REPLACE TABLE ${table} AS ${renderDuckDb({ kind: "query", query: statement.query }, { files, firstPerGroup })}`,
          );
          const copyKept: Statement = {
            ...statement,
            query: { kind: "select", columns: "*", from: { kind: "table", table: kept.table } },
          };
          return query(renderDuckDb(copyKept, { files, unloadDirectory: output }));
        });
      // A group's first row by aggregate while it fits the budget (see FirstPerGroup), for a small
      // input only (the bound of unloadThreads: a large one keeps the window and the memory it was
      // measured with); a statement whose groups outgrow the budget runs again with the window,
      // which spills, and so does every later statement of that dataset in this process (a dataset
      // of unique keys would run out each time).
      let copied: QueryResult;
      if (windowOnly.has(dataset) || inputBytes > ONE_THREAD_UNLOAD_BYTES) copied = await copy("window");
      else
        try {
          copied = await copy("aggregate");
        } catch (error) {
          if (!outOfMemory(error)) throw error;
          windowOnly.add(dataset);
          await rm(output, { recursive: true, force: true });
          await mkdir(dirname(output), { recursive: true });
          copied = await copy("window");
        }
      let written: string[] = [];
      try {
        written = await walk(output);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      const partitions = new Set(written.map((file) => dirname(relative(output, file))));
      if (partitions.size > athena.maxPartitionsPerWrite)
        throw athenaFailure(
          `HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of ${athena.maxPartitionsPerWrite} open writers for partitions/buckets (this statement writes ${partitions.size} partitions)`,
        );
      // Into the store itself, as Athena writes them.
      if (written.length) await moveObjectFolder(s3Directory, statement.to, directory, written);
      if (kept) keptRows.set(folderKey(statement.to), kept);
      return { columns: [], rows: [], rowsWritten: Number(copied.rows[0]?.Count ?? 0) };
    } finally {
      await rm(directory, { recursive: true, force: true });
      if (kept && !keptRows.has(folderKey(statement.to)))
        await query(`DROP TABLE IF EXISTS ${VIEW_CATALOG}.${renderTable(kept.table)}`);
    }
  }

  // The datasets whose views a statement reads: `bronze.<dataset>` or `silver.<dataset>`.
  const namedBy = (statement: Statement): DatasetSpec[] => {
    const tables = readTables(statement);
    return datasets.filter((spec) =>
      Object.values(localTables(spec.name)).some((view) =>
        tables.some((table) => table.database === view.database && table.name === view.name),
      ),
    );
  };

  // The identity partitions of each gold table, as its CREATE names them (DuckDB's tables are
  // not partitioned; Athena's Iceberg tables are). Every gold plan creates its tables first.
  const partitionedBy = new Map<string, string[]>();
  const tableName = ({ database, name }: { database: string; name: string }) => `${database}.${name}`;

  // As Athena's MERGE into an Iceberg table: at most 100 partitions written (rows inserted, updated
  // or deleted), or nothing commits. The rows it writes are counted as DuckDB writes them.
  async function merge(
    statement: Extract<Statement, { kind: "merge" }>,
    columns: string[],
    files: (uri: string) => string[],
  ): Promise<QueryResult> {
    const returning = columns.map((name) => `${quoteIdentifier(statement.alias)}.${quoteIdentifier(name)}`);
    const sql = `${renderDuckDb(statement, { files })} RETURNING ${returning.join(", ")}`;
    await connection.run("BEGIN TRANSACTION");
    try {
      const written = await query(sql);
      const partitions = new Set(written.rows.map((row) => JSON.stringify(Object.values(row))));
      if (partitions.size > athena.maxPartitionsPerWrite)
        throw athenaFailure(
          `ICEBERG_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of ${athena.maxPartitionsPerWrite} open writers for partitions (this statement writes ${partitions.size} partitions of ${tableName(statement.into)})`,
        );
      await connection.run("COMMIT");
      return { columns: ["Count"], rows: [{ Count: written.rows.length }] };
    } catch (error) {
      // An interrupted statement may have ended the transaction already.
      await connection.run("ROLLBACK").catch(() => undefined);
      throw error;
    }
  }

  // A statement that ran out of DuckDB's budget was rolled back (an unload's files are put only
  // once its query succeeded): it runs again with the budget doubled, up to DuckDB's default.
  let memoryBudgetMB = memoryLimitMB;
  const memoryCeilingMB = Math.floor((totalmem() * 0.8) / 1024 ** 2);
  async function withinMemory<T>(task: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await task();
      } catch (error) {
        if (!outOfMemory(error) || memoryBudgetMB >= memoryCeilingMB) throw error;
        memoryBudgetMB = Math.min(memoryCeilingMB, memoryBudgetMB * 2);
        await connection.run(`SET memory_limit = '${memoryBudgetMB}MB'`);
      }
    }
  }

  async function run(statement: Statement): Promise<QueryResult> {
    checkAthenaText(statement);
    const started = performance.now();
    await refreshViews(namedBy(statement), { reads: readTables(statement), cacheSilver: true });
    if (statement.kind === "createTable" && statement.partitionedBy.length)
      partitionedBy.set(tableName(statement.table), statement.partitionedBy);
    const partitionColumns = statement.kind === "merge" ? partitionedBy.get(tableName(statement.into)) : undefined;
    // Listed once: the query and the scanned bytes name the same files (a read of 1,600 silver
    // partitions lists 1,600 folders).
    const files = await resolve(statement);
    // DuckDB's own bytes-read counter misses Parquet reads: the objects the statement names stand
    // in for Athena's scan. Sized once, before: an UNLOAD chooses its threads by them too.
    const scannedBytes = await bytesRead(statement, files);
    const result = await withinMemory(() =>
      statement.kind === "unload"
        ? unload(statement, files, scannedBytes)
        : statement.kind === "merge" && partitionColumns
          ? merge(statement, partitionColumns, files)
          : query(renderDuckDb(statement, { files })),
    );
    return {
      ...result,
      statistics: {
        scannedBytes,
        engineMs: Math.round(performance.now() - started),
      },
    };
  }

  // Synchronously, as `prefixFiles` lists them: a snapshot of 1,600 partitions is 1,600 stats.
  async function bytesRead(statement: Statement, files: (uri: string) => string[]): Promise<number> {
    let bytes = 0;
    for (const uri of readUris(statement))
      for (const file of files(uri)) {
        try {
          bytes += statSync(file).size;
        } catch {
          // Gone or unreadable: the statement itself says so.
        }
      }
    return bytes;
  }

  // Text is not parsed: any dataset whose name it contains has its views refreshed; one that
  // does not name bronze still reads when a bronze object is unreadable.
  const textViews = (text: string) => {
    const lower = text.toLowerCase();
    return {
      named: datasets.filter((spec) => lower.includes(spec.name.toLowerCase())),
      bronzeOptional: !lower.includes("bronze"),
    };
  };

  async function sql(text: string): Promise<QueryResult> {
    const { named, bronzeOptional } = textViews(text);
    await refreshViews(named, { bronzeOptional });
    return query(text);
  }

  // One connection runs one statement at a time; callers may still call concurrently.
  let running = 0;
  let stopped = false;
  const queued = <T>(task: () => Promise<T>): Promise<T> => {
    const result = queue.then(async () => {
      if (stopped) throw new Error("the lake's engine is shutting down (interrupted)");
      running += 1;
      try {
        return await task();
      } finally {
        running -= 1;
      }
    });
    queue = result.catch(() => undefined);
    return result;
  };

  // Every dataset's views, then the read-only statements; queued like the pipeline's own, so
  // a read never sees a statement half done, and the placeholders it adds are gone after it.
  async function read(text: string): Promise<ReadResult[]> {
    await refreshViews(datasets, { bronzeOptional: textViews(text).bronzeOptional });
    const views = await readViews(connection, {
      datasets,
      s3Directory,
      quarantineBucket: buckets.quarantine,
      lakeCatalog: attach ? "lake" : undefined,
    });
    try {
      if (searchPath) await connection.run(`SET search_path = ${literal([...searchPath, ...views.schemas].join(","))}`);
      // Read-only, so safe to run again with more memory (reading JSON takes 16 MB per thread).
      return await withinMemory(() => readStatements(connection, text));
    } catch (error) {
      if (error instanceof ReadOnlyError) throw error;
      const refused = StorageWriteError.of(error);
      if (refused) throw refused;
      const reason = (error as Error).message;
      throw new QueryFailedError(reason, { reason, cause: error });
    } finally {
      await views.drop();
      if (searchPath) await connection.run(`SET search_path = ${literal(searchPath.join(","))}`);
    }
  }

  return {
    dialect: "duckdb",
    run: (statement) => queued(() => run(statement)),
    sql: (text) => queued(() => sql(text)),
    read: (text) => queued(() => read(text)),
    async stop() {
      stopped = true;
      if (running > 0) connection.interrupt();
      await queue;
    },
    close() {
      // Closing under a running statement blocks the process's thread for good (no signal is
      // handled): interrupt it and close once it has unwound.
      const closeNow = () => {
        connection.closeSync();
        instance.closeSync();
        rmSync(spillDirectory, { recursive: true, force: true });
      };
      stopped = true;
      if (running === 0) return closeNow();
      connection.interrupt();
      void queue.then(closeNow);
    },
  };
}
