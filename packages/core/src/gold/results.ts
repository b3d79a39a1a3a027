import type { S3Client } from "@aws-sdk/client-s3";
import type { CongregadoTable, SaveCongregadoResult } from "../congregado/save";
import { congregadoId, saveCongregado } from "../congregado/save";
import { getBytes, putObject } from "../silver/objects";
import { DuplicateSourceKeyError, GoldSpecError } from "./errors";
import type { GoldPlan, GoldStep } from "./plan";

/** Rows of one statement's result, by column name. */
export type ResultRows = Record<string, unknown>[];

/** Athena's `GetQueryResults` result set (what Step Functions' `athena:getQueryResults` returns under `ResultSet`). */
export interface AthenaResultSet {
  Rows?: { Data?: { VarCharValue?: string }[] }[];
  ResultSetMetadata?: { ColumnInfo?: { Name?: string; Type?: string }[] };
}

const NUMERIC = new Set(["tinyint", "smallint", "integer", "bigint", "double", "float", "real", "decimal"]);

/**
 * The rows of a SELECT's result set as Athena returns them: the first row repeats the column
 * names and is skipped; every value is text, turned back into a number or boolean by its
 * column's type; a missing value is NULL.
 * @param resultSet the result set
 * @example resultSetRows({ ResultSetMetadata: { ColumnInfo: [{ Name: "n", Type: "bigint" }] }, Rows: [{ Data: [{ VarCharValue: "n" }] }, { Data: [{ VarCharValue: "3" }] }] }) // [{ n: 3 }]
 */
export function resultSetRows(resultSet: AthenaResultSet): ResultRows {
  const columns = resultSet.ResultSetMetadata?.ColumnInfo ?? [];
  return (resultSet.Rows ?? []).slice(1).map((row) =>
    Object.fromEntries(
      columns.map(({ Name = "", Type = "varchar" }, c) => {
        const text = row.Data?.[c]?.VarCharValue;
        const type = Type.toLowerCase().replace(/\(.*$/, "");
        if (text === undefined) return [Name, null];
        if (NUMERIC.has(type)) return [Name, Number(text)];
        if (type === "boolean") return [Name, text === "true"];
        return [Name, text];
      }),
    ),
  );
}

const count = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

/**
 * Acts on what a step's statement returned: a `check` with rows throws
 * {@link DuplicateSourceKeyError} naming the offending keys (so nothing is merged); other
 * steps' rows are returned to keep for the summary.
 * @param plan the gold plan
 * @param step the step that ran
 * @param rows its result rows
 */
export function checkGoldResult(plan: GoldPlan, step: GoldStep, rows: ResultRows): ResultRows {
  if (step.kind !== "check" || rows.length === 0) return rows;
  const statement = step.statement;
  const key =
    statement.kind === "query" && statement.query.kind === "select" && Array.isArray(statement.query.groupBy)
      ? statement.query.groupBy.flatMap((expr) => (expr.kind === "column" ? [expr.path.at(-1)!] : []))
      : [];
  throw new DuplicateSourceKeyError(
    `${plan.database}.${step.table}`,
    rows.map((row) => ({
      key: Object.fromEntries(key.map((name) => [name, row[name] ?? null])),
      rows: count(row.rows),
    })),
  );
}

/** What merging one gold table did. */
export interface GoldTableSummary {
  /** `<database>.<table>`. */
  table: string;
  /** Windows recomputed (months or days) and MERGE statements run. */
  windows: number;
  statements: number;
  /** Source rows (groups) merged: inserted + updated + unchanged. */
  sourceRows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows of the recomputed windows whose group no longer exists there (e.g. a car changed manufacturer), deleted. */
  deleted: number;
  /** Rows the table holds after the merge. */
  rowCount: number;
  congregado?: Pick<SaveCongregadoResult, "id" | "status" | "version">;
}

/** What a gold merge did, per table in spec order. */
export interface GoldSummary {
  dataset: string;
  tables: GoldTableSummary[];
}

/**
 * Completes a gold merge whose statements ran: sums each table's counts into its summary, and
 * saves its congregado (row count and sample, read by the plan's bounded statements) when a
 * store is given.
 * @param options the plan, the rows each reading step returned (by step index), the congregado store
 */
export async function finishGold({
  plan,
  rowsOf,
  congregado,
}: {
  plan: GoldPlan;
  rowsOf: (index: number) => Promise<ResultRows>;
  congregado?: CongregadoTable;
}): Promise<GoldSummary> {
  const tables: GoldTableSummary[] = [];
  for (const table of plan.tables) {
    const summary: GoldTableSummary = {
      table: `${plan.database}.${table.name}`,
      windows: table.windows,
      statements: table.merges,
      sourceRows: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      rowCount: 0,
    };
    let sample: ResultRows = [];
    for (const [index, step] of plan.steps.entries()) {
      if (step.table !== table.name) continue;
      if (step.kind === "counts") {
        const [counts] = await rowsOf(index);
        const sourceRows = count(counts?.source_rows);
        const matched = count(counts?.matched);
        const changed = count(counts?.changed);
        summary.sourceRows += sourceRows;
        summary.inserted += sourceRows - matched;
        summary.updated += changed;
        summary.unchanged += matched - changed;
        summary.deleted += count(counts?.deleted);
      } else if (step.kind === "count") {
        summary.rowCount = count((await rowsOf(index))[0]?.record_count);
      } else if (step.kind === "sample") {
        sample = await rowsOf(index);
      }
    }
    if (congregado && table.merges) {
      const saved = await saveCongregado({
        ...congregado,
        id: congregadoId(plan.database, table.name),
        data: sample,
        recordCount: summary.rowCount,
        metadata: {
          processor_type: "gold",
          dataset: plan.dataset,
          database: plan.database,
          table: table.name,
          key: table.key,
          origins: table.origins,
        },
      });
      summary.congregado = { id: saved.id, status: saved.status, version: saved.version };
    }
    tables.push(summary);
  }
  return { dataset: plan.dataset, tables };
}

/**
 * Where the rows of a plan's step are kept between the state that reads them and the one that
 * finishes the merge: beside the plan.
 * @param planKey the gold plan's key
 * @param index the step's index
 */
export function goldResultKey(planKey: string, index: number): string {
  return `${planKey.replace(/\.json$/, "")}/results/${index}.json`;
}

/**
 * Keeps a step's rows in S3 (see {@link goldResultKey}).
 * @param options S3 client, bucket, plan key, step index, rows
 */
export async function saveGoldResult({
  s3,
  bucket,
  planKey,
  index,
  rows,
}: {
  s3: S3Client;
  bucket: string;
  planKey: string;
  index: number;
  rows: ResultRows;
}): Promise<void> {
  await putObject(s3, bucket, goldResultKey(planKey, index), JSON.stringify(rows));
}

/**
 * Reads the rows {@link saveGoldResult} kept; a step whose rows were never kept is an error
 * (its reading state did not run).
 * @param options S3 client, bucket, plan key, step index
 */
export async function loadGoldResult({
  s3,
  bucket,
  planKey,
  index,
}: {
  s3: S3Client;
  bucket: string;
  planKey: string;
  index: number;
}): Promise<ResultRows> {
  try {
    return JSON.parse(new TextDecoder().decode(await getBytes(s3, bucket, goldResultKey(planKey, index))));
  } catch (error) {
    throw new GoldSpecError(`gold plan ${planKey}: no result kept for statement ${index}`, { cause: error });
  }
}
