import type { AthenaClient, QueryExecution } from "@aws-sdk/client-athena";
import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import type { Statement } from "../sql/ast";
import { renderAthena } from "../sql/athena";
import { isThrottled, QueryCancelledError, QueryFailedError, QueryTimeoutError } from "./errors";
import type { QueryResult, SqlEngine } from "./port";

/** The Glue Data Catalog, as Athena names it. */
export const ATHENA_DATA_CATALOG = "AwsDataCatalog";

/** Options of {@link athenaEngine}. */
export interface AthenaEngineOptions {
  client: AthenaClient;
  /** Workgroup: engine version, result location and bytes-scanned cutoff are set there. */
  workGroup: string;
  /**
   * The database queries run in (their QueryExecutionContext). Without one Athena uses
   * `default`, and asks Glue for a database no role of the lake is granted.
   */
  database: string;
  /** The data catalog; default Athena's Glue catalog. */
  catalog?: string;
  /** First poll delay; doubles up to `maxPollMs`. */
  firstPollMs?: number;
  maxPollMs?: number;
  /** Give up waiting after this long (the query keeps running; the error names it). */
  timeoutMs?: number;
  /** Attempts for a throttled request before its error is raised. */
  maxAttempts?: number;
  /** Sleep, replaceable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The Athena adapter of the SQL-engine port: starts a query, polls with exponential backoff
 * until it ends, and reads every page of the results. Throttled calls are retried; a failed
 * or cancelled query raises with Athena's reason verbatim. For long queries in a pipeline,
 * let Step Functions wait (`startQueryExecution.sync`) instead of a Lambda.
 * @param options client, workgroup, polling and retry settings
 * @example const engine = athenaEngine({ client: new AthenaClient({}), workGroup: "medallion", database: "medallion_prod_silver" });
 */
export function athenaEngine({
  client,
  workGroup,
  database,
  catalog = ATHENA_DATA_CATALOG,
  firstPollMs = 250,
  maxPollMs = 5_000,
  timeoutMs = 10 * 60_000,
  maxAttempts = 6,
  sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}: AthenaEngineOptions): SqlEngine {
  async function withRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await call();
      } catch (error) {
        if (!isThrottled(error) || attempt >= maxAttempts) throw error;
        await sleep(Math.min(maxPollMs, firstPollMs * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    }
  }

  async function wait(id: string, sql: string): Promise<QueryExecution> {
    let delay = firstPollMs;
    let waited = 0;
    for (;;) {
      const { QueryExecution: execution } = await withRetry(() =>
        client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
      );
      const state = execution?.Status?.State;
      if (state === "SUCCEEDED") return execution!;
      if (state === "FAILED" || state === "CANCELLED") {
        const reason =
          execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage ?? "no reason given";
        const ErrorClass = state === "FAILED" ? QueryFailedError : QueryCancelledError;
        throw new ErrorClass(`Athena query ${id} ${state}: ${reason} (query: ${sql.slice(0, 300)})`, {
          reason,
          queryExecutionId: id,
        });
      }
      if (waited >= timeoutMs)
        throw new QueryTimeoutError(`Athena query ${id} still ${state ?? "unknown"} after ${waited} ms`);
      await sleep(delay);
      waited += delay;
      delay = Math.min(maxPollMs, delay * 2);
    }
  }

  async function results(id: string, execution: QueryExecution): Promise<QueryResult> {
    let columns: string[] = [];
    const rows: Record<string, unknown>[] = [];
    let NextToken: string | undefined;
    let first = true;
    let rowsWritten: number | undefined;
    do {
      const page = await withRetry(() => client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken })));
      if (first) columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? "");
      rowsWritten ??= page.UpdateCount;
      const data = page.ResultSet?.Rows ?? [];
      // For SELECT, Athena's first row repeats the column names.
      for (const [i, row] of data.entries()) {
        if (first && i === 0 && execution.StatementType === "DML") continue;
        rows.push(Object.fromEntries(columns.map((name, c) => [name, row.Data?.[c]?.VarCharValue ?? null])));
      }
      first = false;
      NextToken = page.NextToken;
    } while (NextToken);
    const statistics = {
      scannedBytes: execution.Statistics?.DataScannedInBytes ?? 0,
      engineMs: execution.Statistics?.EngineExecutionTimeInMillis ?? 0,
    };
    return { columns, rows, statistics, ...(rowsWritten === undefined ? {} : { rowsWritten }) };
  }

  return {
    dialect: "athena",
    async run(statement: Statement): Promise<QueryResult> {
      const sql = renderAthena(statement);
      const { QueryExecutionId: id } = await withRetry(() =>
        client.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            WorkGroup: workGroup,
            QueryExecutionContext: { Catalog: catalog, Database: database },
          }),
        ),
      );
      if (!id)
        throw new QueryFailedError(`Athena returned no query execution id for: ${sql.slice(0, 300)}`, {
          reason: "no query execution id",
        });
      const execution = await wait(id, sql);
      return results(id, execution);
    },
  };
}
