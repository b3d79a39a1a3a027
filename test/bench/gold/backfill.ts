// Benchmark: the five-year history backfill (one landing file, 1,600 day partitions, ~10k
// records) taken landing → gold by one `medallion run`, beside DuckDB doing the whole pipeline on
// the same file in one process: per file `COPY (SELECT * FROM read_json_auto(file)) TO
// bronze.parquet`; silver as one `COPY (… ROW_NUMBER() … = 1) TO … (FORMAT parquet,
// PARTITION_BY (…))`; the two gold tables as `CREATE TABLE … AS SELECT … GROUP BY`.
// Alternating runs, medians. Target: ours within 3× of DuckDB's. Also prints where our run's
// time went, by state (the silver queries and every gold state).
// Run: npx tsx test/bench/gold/backfill.ts [repeats=3] [days=1600]
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { medallion } from "@medallion/testing/cli";
import { carHistory } from "@medallion/testing/history";

const repeats = Number(process.argv[2] ?? 3);
const days = Number(process.argv[3] ?? 1_600);
const dir = await mkdtemp(join(tmpdir(), "medallion-bench-backfill-"));
const landing = join(dir, "landing");
await mkdir(landing);
const file = join(landing, "history.ndjson");
const { lines } = carHistory(days);
await writeFile(file, lines.join("\n"));

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function duckdbPipeline(run: number): Promise<number> {
  const out = join(dir, `duckdb-${run}`);
  await mkdir(out);
  const started = performance.now();
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  await db.run("SET TimeZone = 'UTC'");
  const bronze = join(out, "bronze.parquet");
  await db.run(`COPY (SELECT * FROM read_json_auto(${quote(file)})) TO ${quote(bronze)} (FORMAT parquet)`);
  const silver = join(out, "silver");
  await db.run(`COPY (
    SELECT * EXCLUDE (rn) FROM (
      SELECT carChassis, currentMileage, CAST(metricTimestamp AS TIMESTAMP) AS metricTimestamp,
        upper(Manufacturer[1]) || lower(Manufacturer[2:]) AS Manufacturer,
        metrics.trip.tripMileage AS metrics_trip_tripMileage, metrics.trip.tripFuelLiters AS metrics_trip_tripFuelLiters,
        metrics.fuel.fuelAvailable / nullif(metrics.fuel.fuelCapacity, 0) * 100 AS fuel_level_percentage,
        metrics.trip.tripMileage / nullif(metrics.trip.tripFuelLiters, 0) AS km_per_liter,
        year(CAST(metricTimestamp AS TIMESTAMP)) AS event_year, month(CAST(metricTimestamp AS TIMESTAMP)) AS event_month,
        day(CAST(metricTimestamp AS TIMESTAMP)) AS event_day,
        ROW_NUMBER() OVER (PARTITION BY carChassis, event_year, event_month, event_day ORDER BY currentMileage DESC) AS rn
      FROM read_parquet(${quote(bronze)})
    ) WHERE rn = 1
  ) TO ${quote(silver)} (FORMAT parquet, PARTITION_BY (event_year, event_month, event_day))`);
  const rows = `read_parquet(${quote(`${silver}/**/*.parquet`)}, hive_partitioning = true)`;
  await db.run(`CREATE TABLE car_monthly AS SELECT carChassis AS car, event_year AS year, event_month AS month,
    count(DISTINCT event_day) AS days_reported, arg_min(currentMileage, metricTimestamp) AS first_mileage,
    arg_max(currentMileage, metricTimestamp) AS last_mileage, sum(metrics_trip_tripMileage) AS trip_distance_km,
    sum(metrics_trip_tripFuelLiters) AS trip_fuel_liters, arg_max(fuel_level_percentage, metricTimestamp) AS last_fuel
    FROM ${rows} GROUP BY 1, 2, 3`);
  await db.run(`CREATE TABLE manufacturer_daily AS SELECT coalesce(Manufacturer, 'Unknown') AS manufacturer,
    CAST(metricTimestamp AS DATE) AS date, event_year AS year, event_month AS month, count(DISTINCT carChassis) AS cars_reporting,
    sum(metrics_trip_tripMileage) AS trip_distance_km, sum(metrics_trip_tripFuelLiters) AS trip_fuel_liters,
    avg(fuel_level_percentage) AS avg_fuel_level_percentage FROM ${rows} GROUP BY 1, 2, 3, 4`);
  const ms = performance.now() - started;
  db.closeSync();
  instance.closeSync();
  return ms;
}

interface OurRun {
  ms: number;
  byState: Map<string, number>;
}

async function ourRun(run: number): Promise<OurRun> {
  const started = performance.now();
  const result = await medallion(["run", "--landing", landing, "--json", "--data-dir", join(dir, `ours-${run}`)], {
    timeoutMs: 30 * 60_000,
  });
  const ms = performance.now() - started;
  if (result.code !== 0) throw new Error(`medallion run failed: ${result.stderr.slice(-2_000)}`);
  const summary = JSON.parse(result.stdout) as {
    pipeline: { status: string; states: { state: string; event: string; elapsedMs?: number }[] };
  };
  if (summary.pipeline.status !== "SUCCEEDED") throw new Error(`pipeline ${summary.pipeline.status}`);
  const byState = new Map<string, number>();
  for (const { state, event, elapsedMs } of summary.pipeline.states)
    if (event === "succeeded" && elapsedMs !== undefined) byState.set(state, (byState.get(state) ?? 0) + elapsedMs);
  return { ms, byState };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const duck: number[] = [];
const ours: OurRun[] = [];
try {
  for (let run = 0; run < repeats; run++) {
    // Alternating, in both orders, so drift on a shared machine falls on both alike.
    if (run % 2 === 0) {
      duck.push(await duckdbPipeline(run));
      ours.push(await ourRun(run));
    } else {
      ours.push(await ourRun(run));
      duck.push(await duckdbPipeline(run));
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const ourMedian = median(ours.map((r) => r.ms));
const duckMedian = median(duck);
const ratio = ourMedian / duckMedian;
console.log(`history backfill: ${lines.length} records over ${days} days in one file, ${repeats} runs each`);
console.log(
  `medallion run, landing → gold: median ${(ourMedian / 1000).toFixed(1)} s  [${ours.map((r) => (r.ms / 1000).toFixed(1)).join(", ")}]`,
);
console.log(
  `DuckDB whole pipeline:         median ${(duckMedian / 1000).toFixed(1)} s  [${duck.map((ms) => (ms / 1000).toFixed(1)).join(", ")}]`,
);
const slowest = ours.find((r) => r.ms === ourMedian)!;
const states = [...slowest.byState].sort(([, a], [, b]) => b - a).slice(0, 10);
console.log(
  `where the median run's time went (s): ${states.map(([s, ms]) => `${s} ${(ms / 1000).toFixed(1)}`).join(", ")}`,
);
console.log(`ratio = ${ratio.toFixed(2)} (target ≤ 3) → ${ratio <= 3 ? "PASS" : "FAIL"}`);
process.exitCode = ratio <= 3 ? 0 : 1;
