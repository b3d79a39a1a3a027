export * from "./ast";
export { renderAthena } from "./athena";
export type { DuckDbRenderOptions } from "./duckdb";
export { renderDuckDb } from "./duckdb";
export * from "./errors";
export { bareIdentifier, hiveLiteral, literal, quoteHiveIdentifier, quoteIdentifier } from "./quote";
export { readSources, readTables, readUris } from "./reads";
export type { DuckDbFiles, FirstPerGroup, RenderContext } from "./render";
export { renderExpr, renderQuery, renderTable, renderType } from "./render";
