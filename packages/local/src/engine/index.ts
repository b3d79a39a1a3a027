export type { DuckDbEngine, DuckDbEngineOptions } from "./duckdb";
export { duckdbEngine, lakeDatabaseFile, localTables } from "./duckdb";
export { localSilverDependencies } from "./silver";
