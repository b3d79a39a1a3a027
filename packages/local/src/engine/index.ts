export { duckdbEngine, lakeDatabaseFile, localTables } from "./duckdb";
export type { DuckDbEngine, DuckDbEngineOptions } from "./duckdb";
export { localSilverDependencies } from "./silver";
