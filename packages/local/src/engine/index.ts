export { duckdbEngine, lakeDatabaseFile, localTables } from "./duckdb";
export type { DuckDbEngine, DuckDbEngineOptions } from "./duckdb";
export { objectPath, prefixFiles } from "./files";
export { localSilverDependencies } from "./silver";
