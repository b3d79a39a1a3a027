// Benchmark: one new day of car telemetry merged into gold tables that hold 1 month vs 30
// months of history, alternating between the two, medians. A MERGE's cost (with its checks,
// counts and the congregado's count and sample) should follow the new day, not the gold
// table's size: target ratio (30 months / 1 month) ≤ 1.3.
// Silver is a DuckDB table holding the same new days in both, so what is measured is gold's own
// statements against gold tables of different sizes.
// Run: npx tsx test/bench/gold/run.ts [cars=500] [repeats=7]
import { carTelemetry } from "@medallion/core/dataset";
import { mergeGold } from "@medallion/core/gold";
import type { MemoryEngine } from "@medallion/testing/gold";
import { createSilver, memoryEngine } from "@medallion/testing/gold";

const cars = Number(process.argv[2] ?? 500);
const repeats = Number(process.argv[3] ?? 7);
// The first runs pay for JIT and DuckDB warm-up; they are not measured.
const warmups = 2;
const silver = { database: "silver", name: "car_telemetry" };
const DAY = 86_400_000;
// History ends the day before the first new day.
const firstNewDay = Date.UTC(2024, 6, 1);

// Readings of every car on each day of [from, to), one row per car and day, as silver keeps them.
async function putDays(engine: MemoryEngine, from: number, to: number): Promise<Record<string, number>[]> {
  const days = Math.round((to - from) / DAY);
  await engine.sql(`
    INSERT INTO silver.car_telemetry (carChassis, currentMileage, metricTimestamp, Manufacturer,
      metrics_trip_tripMileage, metrics_trip_tripFuelLiters, fuel_level_percentage, km_per_liter,
      _source_key, _record_index, event_year, event_month, event_day)
    SELECT 'CAR-' || lpad(c::VARCHAR, 5, '0'), 1000 + d * 40 + c, ts, ['Fiat', 'Jeep', 'Ford'][c % 3 + 1],
      40, 4, 50 + (d % 7), 10, 'bench', 0, year(ts), month(ts), day(ts)
    FROM range(${days}) AS days(d), range(${cars}) AS cars(c),
      LATERAL (SELECT TIMESTAMP '${new Date(from).toISOString().slice(0, 19).replace("T", " ")}' + INTERVAL (d) DAY + INTERVAL (c % 12) HOUR AS ts)`);
  return Array.from({ length: days }, (_, d) => {
    const at = new Date(from + d * DAY);
    return { event_year: at.getUTCFullYear(), event_month: at.getUTCMonth() + 1, event_day: at.getUTCDate() };
  });
}

interface Scenario {
  months: number;
  engine: MemoryEngine;
  goldRows: number;
  timesMs: number[];
}

async function prepare(months: number): Promise<Scenario> {
  const engine = await memoryEngine();
  await createSilver(engine);
  const start = Date.UTC(2024, 6 - months, 1);
  const partitions = await putDays(engine, start, firstNewDay);
  await mergeGold({ engine, spec: carTelemetry, partitions, silver });
  // Silver's history has served: both scenarios keep the same silver (the new days), so only the
  // gold tables' size differs (how silver's cost scales with its history is the silver bench's).
  await engine.sql("DELETE FROM silver.car_telemetry");
  const [monthly, daily] = await Promise.all(
    ["car_monthly", "manufacturer_daily"].map(async (table) =>
      Number((await engine.rows(`SELECT count(*) AS n FROM gold.${table}`))[0]!.n),
    ),
  );
  return { months, engine, goldRows: monthly! + daily!, timesMs: [] };
}

async function mergeNewDay(scenario: Scenario, run: number): Promise<void> {
  const day = firstNewDay + run * DAY;
  const partitions = await putDays(scenario.engine, day, day + DAY);
  const started = performance.now();
  const summary = await mergeGold({ engine: scenario.engine, spec: carTelemetry, partitions, silver });
  const ms = performance.now() - started;
  if (run >= warmups) scenario.timesMs.push(ms);
  const inserted = summary.tables.reduce((n, t) => n + t.inserted + t.updated, 0);
  if (inserted === 0) throw new Error("the new day changed nothing in gold");
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const one = await prepare(1);
const thirty = await prepare(30);
for (let run = 0; run < warmups + repeats; run++) {
  // Alternating, in both orders, so drift on a shared machine falls on both alike.
  const order = run % 2 === 0 ? [one, thirty] : [thirty, one];
  for (const scenario of order) await mergeNewDay(scenario, run);
}
one.engine.close();
thirty.engine.close();
const ratio = median(thirty.timesMs) / median(one.timesMs);
const format = (s: Scenario) =>
  `${String(s.months).padStart(2)} month(s) of history (${s.goldRows} gold rows): median ${median(s.timesMs).toFixed(0)} ms  [${s.timesMs.map((t) => t.toFixed(0)).join(", ")}]`;
console.log(`gold merge of one new day (${cars} cars), ${repeats} runs each, alternating`);
console.log(format(one));
console.log(format(thirty));
console.log(`ratio 30 months / 1 month = ${ratio.toFixed(2)} (target ≤ 1.3) → ${ratio <= 1.3 ? "PASS" : "FAIL"}`);
process.exitCode = ratio <= 1.3 ? 0 : 1;
