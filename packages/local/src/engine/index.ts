export type { DuckDbEngine, DuckDbEngineOptions } from "./duckdb";
export { duckdbEngine, lakeDatabaseFile, localTables } from "./duckdb";
export type { ReadResult } from "./reads";
export { ReadOnlyError } from "./reads";
export { localSilverDependencies } from "./silver";
