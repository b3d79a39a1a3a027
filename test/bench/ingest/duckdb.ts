/**
 * DuckDB's conversion of the same file, the reference: read_json → COPY … (FORMAT parquet).
 * Run in its own process so peak RSS is its own.
 * Usage: duckdb.ts <input.ndjson> <output.parquet>; prints one JSON line.
 */
import { DuckDBInstance } from "@duckdb/node-api";

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error("usage: duckdb.ts <input> <output>");
const started = performance.now();
const instance = await DuckDBInstance.create(":memory:");
const connection = await instance.connect();
const quote = (path: string) => `'${path.replaceAll("'", "''")}'`;
await connection.run(
  `COPY (SELECT * FROM read_json(${quote(input)}, format = 'newline_delimited')) TO ${quote(output)} (FORMAT parquet)`,
);
const ms = performance.now() - started; // the count below only checks the output; it is not timed
const count = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${quote(output)})`);
const records = Number(count.getRowObjectsJson()[0]!.n);
connection.closeSync();
instance.closeSync();
process.stdout.write(
  `${JSON.stringify({ engine: "duckdb", records, ms, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
