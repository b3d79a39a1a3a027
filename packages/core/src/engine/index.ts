export type { AthenaEngineOptions } from "./athena";
export { athenaEngine } from "./athena";
export * from "./errors";
export type { QueryResult, SqlEngine } from "./port";
