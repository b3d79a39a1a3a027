export * from "./ast";
export { MAX_PARTITIONS_PER_ALTER, renderAthena } from "./athena";
export type { DuckDbRenderOptions } from "./duckdb";
export { readUris, renderDuckDb } from "./duckdb";
export * from "./errors";
export { hiveLiteral, literal, quoteHiveIdentifier, quoteIdentifier } from "./quote";
export type { DuckDbFiles, RenderContext } from "./render";
export { renderExpr, renderQuery, renderType } from "./render";
