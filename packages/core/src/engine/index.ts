export type { AthenaEngineOptions } from "./athena";
export { ATHENA_DATA_CATALOG, athenaEngine } from "./athena";
export * from "./errors";
export type { QueryResult, QueryStatistics, SqlEngine } from "./port";
