import * as z from "zod";
import { awsPrices } from "./prices";

const amount = z.number().nonnegative();

/**
 * What a step (or a whole run) used of the services AWS bills by use. Every field is a plain
 * sum, so the usage of several steps is their field-wise sum ({@link addUsage}).
 */
export const usageSchema = z.object({
  /** Athena queries run. */
  athena_queries: amount.optional(),
  /** `DataScannedInBytes` summed over the queries (locally: bytes of the objects DuckDB read). */
  athena_bytes_scanned: amount.optional(),
  /** What Athena bills: each query rounded up to a megabyte, with its 10 MB minimum. */
  athena_billed_bytes: amount.optional(),
  /** `EngineExecutionTimeInMillis` summed over the queries. */
  athena_engine_ms: amount.optional(),
  /** Lambda invocations. */
  lambda_invocations: amount.optional(),
  /** Billed duration summed over the invocations. */
  lambda_billed_ms: amount.optional(),
  /** Billed duration × configured memory, summed over the invocations. */
  lambda_gb_seconds: amount.optional(),
  /** Step Functions state transitions. */
  state_transitions: amount.optional(),
  /** S3 write-class requests (PUT, COPY, LIST, DELETE). */
  s3_writes: amount.optional(),
  /** S3 read-class requests (GET, HEAD). */
  s3_reads: amount.optional(),
  /** DynamoDB write requests. */
  dynamodb_writes: amount.optional(),
  /** DynamoDB read requests. */
  dynamodb_reads: amount.optional(),
});

/** Usage of one step or run (see {@link usageSchema}). */
export type Usage = z.infer<typeof usageSchema>;

/** A usage figure's name. */
export type UsageField = keyof Usage;

/**
 * The field-wise sum of several usages (a field none has stays absent).
 * @param usages the usages to add
 * @example addUsage({ athena_queries: 1 }, { athena_queries: 2 }) // { athena_queries: 3 }
 */
export function addUsage(...usages: (Usage | undefined)[]): Usage {
  const sum: Usage = {};
  for (const usage of usages)
    for (const [field, value] of Object.entries(usage ?? {}) as [UsageField, number | undefined][])
      if (value !== undefined) sum[field] = (sum[field] ?? 0) + value;
  return sum;
}

/**
 * The usage of one Athena query, billed as Athena bills it: rounded up to the next megabyte,
 * at least 10 MB.
 * @param scannedBytes `DataScannedInBytes`
 * @param engineMs `EngineExecutionTimeInMillis`
 * @example athenaQueryUsage(1_000, 120).athena_billed_bytes // 10485760
 */
export function athenaQueryUsage(scannedBytes: number, engineMs: number): Usage {
  const mb = 1024 ** 2;
  return {
    athena_queries: 1,
    athena_bytes_scanned: scannedBytes,
    athena_billed_bytes: Math.max(awsPrices.athena.minimumBytesPerQuery, Math.ceil(scannedBytes / mb) * mb),
    athena_engine_ms: engineMs,
  };
}

/**
 * The usage of one Lambda invocation: Lambda bills each millisecond of duration (rounded up)
 * at the function's configured memory.
 * @param durationMs how long the invocation ran
 * @param memoryMB the function's configured memory
 * @example lambdaInvocationUsage(100, 1024).lambda_gb_seconds // 0.1
 */
export function lambdaInvocationUsage(durationMs: number, memoryMB: number): Usage {
  const billed = Math.max(1, Math.ceil(durationMs));
  return { lambda_invocations: 1, lambda_billed_ms: billed, lambda_gb_seconds: (billed / 1000) * (memoryMB / 1024) };
}

/**
 * One Athena query's statistics as the pipeline keeps them from the QueryExecution that
 * `startQueryExecution.sync` returns (locally, the Athena stand-in returns the same shape, DuckDB's
 * bytes read standing in for bytes scanned).
 */
export const athenaStatisticsSchema = z.object({
  DataScannedInBytes: amount,
  EngineExecutionTimeInMillis: amount,
});

/** What the pipeline keeps of one Athena query (see {@link athenaStatisticsSchema}). */
export type AthenaStatistics = z.infer<typeof athenaStatisticsSchema>;

/**
 * The usage of several Athena queries, each billed as Athena bills it ({@link athenaQueryUsage}).
 * @param queries each query's statistics
 * @example athenaUsage([{ DataScannedInBytes: 1_000, EngineExecutionTimeInMillis: 120 }]).athena_queries // 1
 */
export function athenaUsage(queries: readonly AthenaStatistics[]): Usage {
  return addUsage(
    ...queries.map((query) => athenaQueryUsage(query.DataScannedInBytes, query.EngineExecutionTimeInMillis)),
  );
}
