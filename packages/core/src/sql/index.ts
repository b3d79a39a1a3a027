export * from "./ast";
export * from "./errors";
export { hiveLiteral, literal, quoteHiveIdentifier, quoteIdentifier } from "./quote";
export { renderExpr, renderQuery, renderType } from "./render";
export type { DuckDbFiles, RenderContext } from "./render";
export { MAX_PARTITIONS_PER_ALTER, renderAthena } from "./athena";
export { readUris, renderDuckDb } from "./duckdb";
export type { DuckDbRenderOptions } from "./duckdb";
