import { createRequire } from "node:module";

/**
 * DuckDB's Node API, loaded with `require`. It is CommonJS: imported as an ES module, Node
 * would first lex each of its ~180 files for their export names, about 0.15 s of CPU at the
 * start of every `medallion query`. Types still come from `import type`.
 */
export const duckdb: typeof import("@duckdb/node-api") = createRequire(import.meta.url)("@duckdb/node-api");
