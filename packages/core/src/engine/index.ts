export type { QueryResult, SqlEngine } from "./port";
export * from "./errors";
export { athenaEngine } from "./athena";
export type { AthenaEngineOptions } from "./athena";
