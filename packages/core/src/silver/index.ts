export type { PartitionCatalog } from "./catalog";
export type { SilverColumn, SilverColumns } from "./columns";
export { catalogColumns, LINEAGE_COLUMNS, silverColumns, silverSpecOf, yearMonthDayPartitionOf } from "./columns";
export type { CommitSilverOptions, FinishSilverOptions, SilverCommitEvent, SilverSummary } from "./commit";
export { commitSilver, finishSilver, silverCommitEventSchema, silverSummarySchema } from "./commit";
export * from "./errors";
export type { GlueCatalogOptions } from "./glue-catalog";
export { glueCatalog } from "./glue-catalog";
export type { PendingFile, SilverLedger } from "./ledger";
export { dynamoSilverLedger, pendingFileSchema, plannableFiles } from "./ledger";
export { isDataFile, parseS3Uri } from "./objects";
export type { PartitionValues } from "./partition";
export {
  parsePartitionPath,
  partitionColumnNames,
  partitionKey,
  partitionOf,
  partitionOrdinal,
  partitionPath,
} from "./partition";
export type { PathCatalogOptions } from "./path-catalog";
export { pathCatalog } from "./path-catalog";
export type { PlannedPartition, PlanSilverOptions, SilverLake, SilverPlan, SilverPlanPayload } from "./plan";
export {
  loadSilverPlan,
  MAX_PLAN_QUERY_BYTES,
  plannedPartitionSchema,
  planSilver,
  saveSilverPlan,
  silverPlanPayloadSchema,
  silverPlanSchema,
} from "./plan";
export type { ConsolidationQueryOptions } from "./query";
export { consolidationQuery, consolidationStatement } from "./query";
export type { SilverRebuild } from "./rebuild";
export { inRebuildRange, rebuiltPartitions, recordRebuilt, silverRebuildSchema } from "./rebuild";
export type { ExpireVersionsOptions, SupersededPartition } from "./retention";
export { expireVersions, recordSuperseded } from "./retention";
export type { SilverRollback } from "./rollback";
export { rollBackSilver } from "./rollback";
export type {
  CleanseRule,
  DateKeyPartition,
  DerivedColumn,
  OriginColumn,
  OriginRule,
  PartitionSpec,
  RatioColumn,
  SilverSpec,
  SilverTargetSpec,
  YearMonthDayPartition,
} from "./spec";
export type { ResolvedTarget, ResolveTargetOptions, SilverTarget } from "./target";
export { resolveTarget, silverTableOf, silverTargetSchema } from "./target";
export { versionId, versionPrefix } from "./version";
