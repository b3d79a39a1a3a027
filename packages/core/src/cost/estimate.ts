import type { Cost } from "./cost";
import { costOf } from "./cost";
import type { Prices } from "./prices";
import { awsPrices, glueReference } from "./prices";
import type { Usage } from "./usage";

/** A month of runs at a given volume, priced from measured runs, beside the Glue job it replaces. */
export interface MonthlyEstimate {
  filesPerMonth: number;
  bytesPerMonth: number;
  /** Runs measured, the files and bytes they took, and their summed usage. */
  measured: { runs: number; files: number; bytes: number; usage: Usage };
  /** Pipeline runs a month: hourly, and the daily D-1 reprocessing. */
  runsPerMonth: number;
  /** This design's monthly cost, per service. */
  monthly: Cost;
  /** The Glue job's monthly cost for the same volume (scaled from its reference). */
  glueMonthlyUsd: number;
}

const DAYS_PER_MONTH = 30;
const RUNS_PER_MONTH = (24 + 1) * DAYS_PER_MONTH;

/**
 * A monthly estimate from measured runs. Each figure scales with what drives it: Athena's bytes
 * with the bytes landed; S3 and DynamoDB requests with the files (each file is read, written
 * and recorded a fixed number of times); state transitions, invocations, Lambda time and the
 * queries' minimum charge with the runs (a run's work is mostly fixed; silver's queries scan
 * the new data and the partitions it touches). Ingestion adds one invocation per file.
 * @param options the volume, what the measured runs took and used, and the price list
 * @example monthlyEstimate({ filesPerDay: 100, mbPerFile: 6.8, measured }).glueMonthlyUsd // ≈ 53.7
 */
export function monthlyEstimate({
  filesPerDay,
  mbPerFile,
  measured,
  prices = awsPrices,
}: {
  filesPerDay: number;
  mbPerFile: number;
  measured: MonthlyEstimate["measured"];
  prices?: Prices;
}): MonthlyEstimate {
  const filesPerMonth = filesPerDay * DAYS_PER_MONTH;
  const bytesPerMonth = filesPerMonth * mbPerFile * 1024 ** 2;
  const u = measured.usage;
  const perRun = (value: number | undefined) => ((value ?? 0) / Math.max(1, measured.runs)) * RUNS_PER_MONTH;
  const perFile = (value: number | undefined) => ((value ?? 0) / Math.max(1, measured.files)) * filesPerMonth;
  const perByte = (value: number | undefined) => ((value ?? 0) / Math.max(1, measured.bytes)) * bytesPerMonth;
  const mb = 1024 ** 2;
  const queriesPerMonth = perRun(u.athena_queries);
  const scanned = perByte(u.athena_bytes_scanned);
  const usage: Usage = {
    athena_queries: queriesPerMonth,
    athena_bytes_scanned: scanned,
    // Billed per query: at least the minimum each, rounded up to a megabyte.
    athena_billed_bytes: Math.max(queriesPerMonth * prices.athena.minimumBytesPerQuery, Math.ceil(scanned / mb) * mb),
    lambda_invocations: perRun(u.lambda_invocations) + filesPerMonth,
    lambda_gb_seconds: perRun(u.lambda_gb_seconds),
    state_transitions: perRun(u.state_transitions),
    s3_writes: perFile(u.s3_writes),
    s3_reads: perFile(u.s3_reads),
    dynamodb_writes: perFile(u.dynamodb_writes),
    dynamodb_reads: perFile(u.dynamodb_reads),
  };
  return {
    filesPerMonth,
    bytesPerMonth,
    measured,
    runsPerMonth: RUNS_PER_MONTH,
    monthly: costOf(usage, prices),
    glueMonthlyUsd: glueReference.monthlyUsd * (bytesPerMonth / glueReference.bytesPerMonth),
  };
}
