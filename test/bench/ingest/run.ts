/**
 * Ingestion benchmark: our convertToBronze vs DuckDB's read_json → COPY … (FORMAT parquet)
 * on the same deterministic car-telemetry NDJSON, at 10k, 100k and 1M records.
 *
 *   npx tsx test/bench/ingest/run.ts [--sizes 10000,100000,1000000] [--repeat 3] [--json]
 *
 * Ours runs as it does on Lambda: bundled with esbuild the way SST bundles a handler (ESM,
 * node22, a `require` banner), run by plain node. Each run is its own process, so its peak
 * RSS is its own. The two engines alternate, `--repeat` times per size, and the medians are
 * compared: this machine's speed drifts by a quarter within minutes, so a single pair of
 * runs can land on either side of the target.
 *
 * Targets (issue 2): ours within 3× DuckDB's time at 1M records, and under 512 MB peak RSS;
 * (issue 18) bronze files within 1.2× the bytes of DuckDB's for the same records.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleLikeLambda } from "@medallion/testing/bundle";
import { generateTelemetry } from "./generate";
import type { Engine, Run } from "./measure";
import { measure, median } from "./measure";

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const sizes = option("--sizes")?.split(",").map(Number) ?? [10_000, 100_000, 1_000_000];
const repeat = Number(option("--repeat") ?? 3);
const asJson = args.includes("--json");

const dir = await mkdtemp(join(tmpdir(), "medallion-bench-ingest-"));

const rows = [];
try {
  const bundle = join(dir, "ours.mjs");
  await bundleLikeLambda(join(import.meta.dirname, "ours.ts"), bundle);
  const duckdb = join(import.meta.dirname, "duckdb.ts");
  for (const size of sizes) {
    const input = join(dir, `telemetry-${size}.ndjson`);
    const bytes = await generateTelemetry(input, size);
    const output = { ours: join(dir, `ours-${size}.parquet`), duckdb: join(dir, `duckdb-${size}.parquet`) };
    const runs: Record<Engine, Run[]> = { ours: [], duckdb: [] };
    for (let r = 0; r < repeat; r++) {
      runs.ours.push(await measure([bundle, input, output.ours], "ours"));
      runs.duckdb.push(await measure(["--import", "tsx", duckdb, input, output.duckdb], "duckdb"));
      if (!asJson)
        process.stderr.write(
          `${size} records, round ${r + 1}/${repeat}: ours ${(runs.ours[r]!.ms / 1000).toFixed(2)} s, DuckDB ${(runs.duckdb[r]!.ms / 1000).toFixed(2)} s\n`,
        );
    }
    for (const engine of ["ours", "duckdb"] as const)
      for (const run of runs[engine])
        if (run.records !== size) throw new Error(`${engine} wrote ${run.records} of ${size} records`);
    const ms = { ours: median(runs.ours.map((run) => run.ms)), duckdb: median(runs.duckdb.map((run) => run.ms)) };
    const parquetBytes = { ours: (await stat(output.ours)).size, duckdb: (await stat(output.duckdb)).size };
    for (const engine of ["ours", "duckdb"] as const) {
      rows.push({
        records: size,
        engine,
        inputMB: +(bytes / 1e6).toFixed(1),
        medianSeconds: +(ms[engine] / 1000).toFixed(2),
        recordsPerSec: Math.round(size / (ms[engine] / 1000)),
        MBPerSec: +(bytes / 1e6 / (ms[engine] / 1000)).toFixed(1),
        peakRssMB: Math.round(Math.max(...runs[engine].map((run) => run.maxRssBytes)) / 2 ** 20),
        parquetMB: +(parquetBytes[engine] / 1e6).toFixed(2),
        oursOverDuckdb: engine === "ours" ? +(ms.ours / ms.duckdb).toFixed(2) : undefined,
        parquetOursOverDuckdb: engine === "ours" ? +(parquetBytes.ours / parquetBytes.duckdb).toFixed(2) : undefined,
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
if (big)
  console.log(
    `1M records: ours/DuckDB median time ${big.oursOverDuckdb}× (target ≤ 3×), peak RSS ${big.peakRssMB} MB (target < 512 MB), bronze bytes ${big.parquetOursOverDuckdb}× DuckDB's (target ≤ 1.2×)`,
  );
