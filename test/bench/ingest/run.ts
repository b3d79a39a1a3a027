/**
 * Ingestion benchmark: our convertToBronze vs DuckDB's read_json → COPY … (FORMAT parquet)
 * on the same deterministic car-telemetry NDJSON, at 10k, 100k and 1M records. Each run is
 * a separate process so its peak RSS is its own.
 *
 *   npx tsx test/bench/ingest/run.ts [--sizes 10000,100000,1000000] [--json]
 *
 * Targets (issue 2): ours within 3× DuckDB's time at 1M records, and under 512 MB peak RSS.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { generateTelemetry } from "./generate";

interface Run {
  engine: "ours" | "duckdb";
  records: number;
  ms: number;
  maxRssBytes: number;
}

const args = process.argv.slice(2);
const sizesArg = args[args.indexOf("--sizes") + 1];
const sizes = args.includes("--sizes") && sizesArg ? sizesArg.split(",").map(Number) : [10_000, 100_000, 1_000_000];
const asJson = args.includes("--json");
const child = join(import.meta.dirname, "child.ts");

async function measure(engine: Run["engine"], input: string, output: string): Promise<Run> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", child, engine, input, output], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Run;
}

const dir = await mkdtemp(join(tmpdir(), "medallion-bench-ingest-"));
const rows = [];
try {
  for (const size of sizes) {
    const input = join(dir, `telemetry-${size}.ndjson`);
    const bytes = await generateTelemetry(input, size);
    const ours = await measure("ours", input, join(dir, `ours-${size}.parquet`));
    const duck = await measure("duckdb", input, join(dir, `duckdb-${size}.parquet`));
    for (const run of [ours, duck]) if (run.records !== size) throw new Error(`${run.engine} wrote ${run.records} of ${size} records`);
    const outBytes = { ours: (await stat(join(dir, `ours-${size}.parquet`))).size, duckdb: (await stat(join(dir, `duckdb-${size}.parquet`))).size };
    for (const run of [ours, duck]) {
      rows.push({
        records: size,
        engine: run.engine,
        inputMB: +(bytes / 1e6).toFixed(1),
        seconds: +(run.ms / 1000).toFixed(2),
        recordsPerSec: Math.round(size / (run.ms / 1000)),
        MBPerSec: +(bytes / 1e6 / (run.ms / 1000)).toFixed(1),
        peakRssMB: Math.round(run.maxRssBytes / 2 ** 20),
        parquetMB: +(outBytes[run.engine] / 1e6).toFixed(2),
        oursOverDuckdb: run.engine === "ours" ? +(ours.ms / duck.ms).toFixed(2) : undefined,
      });
    }
    await rm(input);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
if (asJson) console.log(JSON.stringify(rows, null, 2));
else console.table(rows);
const big = rows.find((row) => row.records === 1_000_000 && row.engine === "ours");
if (big) console.log(`1M records: ours/DuckDB time ${big.oursOverDuckdb}× (target ≤ 3×), peak RSS ${big.peakRssMB} MB (target < 512 MB)`);
