export type { GoldColumnsReader } from "./catalog";
export { engineGoldColumns, glueGoldColumns } from "./catalog";
export { goldColumns, valueColumns } from "./columns";
export * from "./errors";
export { aggregateExpr, GOLD_DOUBLE_DIGITS, goldExpr } from "./expressions";
export type { ChunkLimits } from "./limits";
export { MAX_PARTITIONS_PER_STATEMENT, MAX_QUERY_BYTES, planChunks, statementText } from "./limits";
export type { OptimizeGoldOptions, OptimizeSummary } from "./maintenance";
export { optimizeGold, optimizeStatement, vacuumStatement } from "./maintenance";
export type { MergeGoldOptions } from "./merge";
export { mergeGold } from "./merge";
export type { AffectedPartition, GoldPlan, GoldPlanPayload, GoldStep, GoldStepKind, PlanGoldOptions } from "./plan";
export {
  GOLD_SAMPLE_ROWS,
  goldPlanKeyOf,
  goldPlanPayloadSchema,
  goldPlanSchema,
  goldStepKinds,
  goldStepReadsRows,
  loadGoldPlan,
  planGold,
  saveGoldPlan,
} from "./plan";
export type { AthenaResultSet, GoldSummary, GoldTableSummary, ResultRows } from "./results";
export {
  checkGoldResult,
  finishGold,
  goldResultKey,
  loadGoldResult,
  resultSetRows,
  saveGoldResult,
} from "./results";
export type { RetryOptions } from "./retry";
export { isRetryableGoldError, runWithRetry } from "./retry";
export type { OwnedRowsOptions } from "./scope";
export { checkWindowOwnership, goldPartitionOf, ownedRows } from "./scope";
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
  addColumnStatements,
  createTableStatements,
  duplicateKeysStatement,
  mergeCountsStatement,
  mergeSourceQuery,
  mergeStatement,
  sourceQuery,
} from "./statements";
export { goldSteps } from "./steps";
export type { SilverDateColumns, WindowValues } from "./windows";
export { windowFilter, windowNumber, windowsOf } from "./windows";
