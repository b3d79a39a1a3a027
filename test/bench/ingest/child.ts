/**
 * One measured conversion, run in its own process so peak RSS belongs to it alone.
 * Usage: child.ts <ours|duckdb> <input.ndjson> <output.parquet>; prints one JSON line.
 */
import { createReadStream } from "node:fs";
import { carTelemetry } from "@medallion/core/datasets";
import { convertToBronze } from "@medallion/core/ingest";

const [engine, input, output] = process.argv.slice(2);
if (!engine || !input || !output) throw new Error("usage: child.ts <ours|duckdb> <input> <output>");

let records: number;
let ms: number;
const started = performance.now();
if (engine === "ours") {
  const result = await convertToBronze(createReadStream(input, { highWaterMark: 1 << 20 }), { spec: carTelemetry, sourceKey: `car_telemetry/${input}`, parquetPath: output });
  if (result.recordsRejected) throw new Error(`${result.recordsRejected} records rejected: ${result.rejected[0]?.reason}`);
  records = result.recordsBronze;
  ms = performance.now() - started;
} else if (engine === "duckdb") {
  // Loaded only for DuckDB runs, so our runs' RSS does not include its native library.
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const quote = (path: string) => `'${path.replaceAll("'", "''")}'`;
  await connection.run(`COPY (SELECT * FROM read_json(${quote(input)}, format = 'newline_delimited')) TO ${quote(output)} (FORMAT parquet)`);
  ms = performance.now() - started; // the count below only checks the output; it is not timed
  const count = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet(${quote(output)})`);
  records = Number(count.getRowObjectsJson()[0]!.n);
  connection.closeSync();
  instance.closeSync();
} else {
  throw new Error(`unknown engine ${engine}`);
}
process.stdout.write(`${JSON.stringify({ engine, records, ms, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
