export { goldColumns, valueColumns } from "./columns";
export * from "./errors";
export type { ChunkLimits } from "./limits";
export { MAX_PARTITIONS_PER_STATEMENT, MAX_QUERY_BYTES, planChunks } from "./limits";
export type { OptimizeGoldOptions, OptimizeSummary } from "./maintenance";
export { optimizeGold, optimizeSql, vacuumSql } from "./maintenance";
export type { AffectedPartition, GoldSummary, GoldTableSummary, MergeGoldOptions } from "./merge";
export { mergeGold } from "./merge";
export { aggregateSql, dmlType, GOLD_DOUBLE_DIGITS, goldExpr } from "./render";
export type { RetryOptions } from "./retry";
export { isRetryableGoldError, runWithRetry } from "./retry";
export type { OwnedRowsOptions } from "./scope";
export { checkWindowOwnership, ownedRowsSql } from "./scope";
export type {
  GoldAggregate,
  GoldColumn,
  GoldDimension,
  GoldExpr,
  GoldSpec,
  GoldTable,
  GoldType,
  GoldWindow,
} from "./spec";
export { goldSpecOf, hasGold } from "./spec";
export type { GoldMerge, GoldSource, GoldTarget } from "./statements";
export {
  createTableSql,
  duplicateKeysSql,
  mergeCountsSql,
  mergeSourceSql,
  mergeSql,
  readTableSql,
  sourceSql,
} from "./statements";
export { goldSteps } from "./steps";
export type { SilverDateColumns, WindowValues } from "./windows";
export { chunk, windowFilter, windowsOf } from "./windows";
