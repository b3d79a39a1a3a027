/**
 * DuckDB doing the whole car-telemetry pipeline in one process, the reference of issue 18:
 * per landing file `COPY (SELECT * FROM read_json_auto(file)) TO bronze.parquet`; silver as
 * one `COPY (flatten, cleanse, derive, ROW_NUMBER() … = 1) TO … (PARTITION_BY …)`; the two
 * gold tables as `CREATE TABLE … AS SELECT … GROUP BY`. Run in its own process so its peak
 * RSS is its own.
 * Usage: duckdb.ts <landing dir> <work dir>; prints one JSON line.
 */
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

const [landing, work] = process.argv.slice(2);
if (!landing || !work) throw new Error("usage: duckdb.ts <landing dir> <work dir>");
const quote = (path: string) => `'${path.replaceAll("'", "''")}'`;
const files = (await readdir(landing)).filter((name) => name.endsWith(".ndjson")).sort();
await mkdir(join(work, "bronze"), { recursive: true });

const started = performance.now();
const instance = await DuckDBInstance.create(":memory:");
const connection = await instance.connect();
for (const file of files)
  await connection.run(
    `COPY (SELECT * FROM read_json_auto(${quote(join(landing, file))})) TO ${quote(join(work, "bronze", `${file}.parquet`))} (FORMAT parquet)`,
  );
const bronzeDone = performance.now();
const silverDir = join(work, "silver");
// The spec's silver: flatten the structs, cleanse (title case, lower), derive the two ratios
// and the partition columns, keep each car's highest mileage per day.
await connection.run(`COPY (
  SELECT * EXCLUDE (rn) FROM (
    SELECT carChassis, currentMileage, CAST(metricTimestamp AS TIMESTAMP) AS metricTimestamp,
      array_to_string(list_transform(string_split(Manufacturer, ' '), lambda w: upper(left(w, 1)) || lower(substr(w, 2))), ' ') AS Manufacturer,
      Model, lower(color) AS color,
      metrics.trip.tripMileage AS metrics_trip_tripMileage, metrics.trip.tripFuelLiters AS metrics_trip_tripFuelLiters,
      metrics.fuel.fuelAvailable AS metrics_fuel_fuelAvailable, metrics.fuel.fuelCapacity AS metrics_fuel_fuelCapacity,
      metrics.fuel.fuelAvailable / nullif(metrics.fuel.fuelCapacity, 0) * 100 AS fuel_level_percentage,
      metrics.trip.tripMileage / nullif(metrics.trip.tripFuelLiters, 0) AS km_per_liter,
      year(CAST(metricTimestamp AS TIMESTAMP)) AS event_year, month(CAST(metricTimestamp AS TIMESTAMP)) AS event_month,
      day(CAST(metricTimestamp AS TIMESTAMP)) AS event_day,
      ROW_NUMBER() OVER (PARTITION BY carChassis, event_year, event_month, event_day ORDER BY currentMileage DESC) AS rn
    FROM read_parquet(${quote(join(work, "bronze", "*.parquet"))})
  ) WHERE rn = 1
) TO ${quote(silverDir)} (FORMAT parquet, PARTITION_BY (event_year, event_month, event_day))`);
const silverDone = performance.now();
const silver = `read_parquet(${quote(join(silverDir, "**", "*.parquet"))}, hive_partitioning = true)`;
await connection.run(`CREATE TABLE car_monthly AS
  SELECT carChassis AS car, event_year AS year, event_month AS month, count(DISTINCT event_day) AS days_reported,
    arg_min(currentMileage, metricTimestamp) AS first_mileage, arg_max(currentMileage, metricTimestamp) AS last_mileage,
    last_mileage - first_mileage AS distance_driven_km,
    sum(metrics_trip_tripMileage) AS trip_distance_km, sum(metrics_trip_tripFuelLiters) AS trip_fuel_liters,
    trip_distance_km / nullif(trip_fuel_liters, 0) AS km_per_liter,
    arg_max(fuel_level_percentage, metricTimestamp) AS last_fuel_level_percentage
  FROM ${silver} GROUP BY ALL`);
await connection.run(`CREATE TABLE manufacturer_daily AS
  SELECT coalesce(Manufacturer, 'Unknown') AS manufacturer, CAST(metricTimestamp AS DATE) AS date,
    event_year AS year, event_month AS month, count(DISTINCT carChassis) AS cars_reporting,
    sum(metrics_trip_tripMileage) AS trip_distance_km, sum(metrics_trip_tripFuelLiters) AS trip_fuel_liters,
    trip_distance_km / nullif(trip_fuel_liters, 0) AS km_per_liter, avg(fuel_level_percentage) AS avg_fuel_level_percentage
  FROM ${silver} GROUP BY ALL`);
const ms = performance.now() - started;
// The counts below only check the output; they are not timed.
const count = async (sql: string) => Number((await connection.runAndReadAll(sql)).getRowObjectsJson()[0]!.n);
const records = await count(
  `SELECT count(*)::INTEGER AS n FROM read_parquet(${quote(join(work, "bronze", "*.parquet"))})`,
);
const silverRows = await count(`SELECT count(*)::INTEGER AS n FROM ${silver}`);
const goldRows = {
  car_monthly: await count("SELECT count(*)::INTEGER AS n FROM car_monthly"),
  manufacturer_daily: await count("SELECT count(*)::INTEGER AS n FROM manufacturer_daily"),
};
connection.closeSync();
instance.closeSync();
process.stdout.write(
  `${JSON.stringify({
    engine: "duckdb",
    records,
    silverRows,
    goldRows,
    ms,
    stepsMs: { bronze: bronzeDone - started, silver: silverDone - bronzeDone, gold: ms - (silverDone - started) },
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
