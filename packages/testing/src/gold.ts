import { DuckDBInstance } from "@duckdb/node-api";
import { carTelemetry } from "@medallion/core/dataset";
import type { QueryResult, SqlEngine } from "@medallion/core/engine";
import { QueryFailedError } from "@medallion/core/engine";
import { statementText } from "@medallion/core/gold";
import { silverColumns } from "@medallion/core/silver";
import type { Statement } from "@medallion/core/sql";
import { literal, quoteIdentifier, renderTable } from "@medallion/core/sql";

/** An in-memory DuckDB engine for gold statements (tables only, no lake files), with statement log. */
export interface MemoryEngine extends SqlEngine {
  /** Every SQL text run, rendered statements included, in order. */
  log: string[];
  /** Runs SQL text as is: a test's own setup and reads. */
  sql(text: string): Promise<QueryResult>;
  /** Rows of a query (statement or text), integers as numbers. */
  rows(query: Statement | string): Promise<Record<string, unknown>[]>;
  close(): void;
}

/** Opens an in-memory DuckDB (UTC session, as the local engine) behind the SQL-engine port. */
export async function memoryEngine(): Promise<MemoryEngine> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  const log: string[] = [];
  const sql = async (text: string): Promise<QueryResult> => {
    log.push(text);
    try {
      const reader = await connection.runAndReadAll(text);
      return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() };
    } catch (error) {
      throw new QueryFailedError(`DuckDB query failed: ${(error as Error).message}`, {
        reason: (error as Error).message,
        cause: error,
      });
    }
  };
  // Rendered as gold measures its statements against Athena's limits: tables only, no lake files.
  const run = (statement: Statement): Promise<QueryResult> => sql(statementText(statement, "duckdb"));
  return {
    dialect: "duckdb",
    log,
    run,
    sql,
    async rows(query) {
      return (await (typeof query === "string" ? sql(query) : run(query))).rows.map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [k, typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v]),
        ),
      );
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** One silver row of car telemetry (one car, one day), as consolidation leaves it. */
export interface SilverDay {
  car: string;
  /** `YYYY-MM-DDTHH:MM:SS` (UTC). */
  at: string;
  mileage: number;
  manufacturer?: string | null;
  tripKm?: number | null;
  tripLiters?: number | null;
  fuelPct?: number | null;
}

const SILVER_TABLE = { database: "silver", name: "car_telemetry" };
const SILVER = renderTable(SILVER_TABLE);

/** Creates `silver.car_telemetry` with silver's real columns (from the spec). */
export async function createSilver(engine: SqlEngine): Promise<void> {
  const { data, partition } = silverColumns(carTelemetry);
  await engine.run({ kind: "createSchema", database: SILVER_TABLE.database });
  await engine.run({
    kind: "createTable",
    table: SILVER_TABLE,
    columns: [...data, ...partition],
    primaryKey: [],
    partitionedBy: [],
  });
}

const partsOf = (at: string): { year: number; month: number; day: number } => {
  const [year, month, day] = at.slice(0, 10).split("-").map(Number) as [number, number, number];
  return { year, month, day };
};

/** The silver partition values of a row. */
export const partitionOf = (row: SilverDay): Record<string, number> => {
  const { year, month, day } = partsOf(row.at);
  return { event_year: year, event_month: month, event_day: day };
};

/**
 * Writes silver rows as consolidation would: a row replaces the one of the same car and day.
 * @returns the silver partitions touched
 */
export async function putSilver(engine: MemoryEngine, rows: SilverDay[]): Promise<Record<string, number>[]> {
  for (const row of rows) {
    const { year, month, day } = partsOf(row.at);
    const where = `carChassis = ${literal(row.car)} AND event_year = ${year} AND event_month = ${month} AND event_day = ${day}`;
    await engine.sql(`DELETE FROM ${SILVER} WHERE ${where}`);
    const ratio = row.tripKm != null && row.tripLiters ? row.tripKm / row.tripLiters : null;
    const values: Record<string, string | number | null> = {
      carChassis: row.car,
      currentMileage: row.mileage,
      metricTimestamp: row.at.replace("T", " "),
      Manufacturer: row.manufacturer === undefined ? "Toyota" : row.manufacturer,
      metrics_trip_tripMileage: row.tripKm === undefined ? 100 : row.tripKm,
      metrics_trip_tripFuelLiters: row.tripLiters === undefined ? 8 : row.tripLiters,
      fuel_level_percentage: row.fuelPct === undefined ? 50 : row.fuelPct,
      km_per_liter: ratio,
      _source_key: "test",
      _record_index: 0,
      event_year: year,
      event_month: month,
      event_day: day,
    };
    const names = Object.keys(values);
    await engine.sql(
      `INSERT INTO ${SILVER} (${names.map(quoteIdentifier).join(", ")}) VALUES (${names.map((n) => literal(values[n]!)).join(", ")})`,
    );
  }
  return rows.map(partitionOf);
}

/** Every silver row, read back. */
export async function silverRows(engine: MemoryEngine): Promise<SilverDay[]> {
  const rows = await engine.rows(
    `SELECT carChassis, strftime(metricTimestamp, '%Y-%m-%dT%H:%M:%S') AS at, currentMileage, Manufacturer, metrics_trip_tripMileage, metrics_trip_tripFuelLiters, fuel_level_percentage FROM ${SILVER}`,
  );
  return rows.map((r) => ({
    car: r.carChassis as string,
    at: r.at as string,
    mileage: r.currentMileage as number,
    manufacturer: r.Manufacturer as string | null,
    tripKm: r.metrics_trip_tripMileage as number | null,
    tripLiters: r.metrics_trip_tripFuelLiters as number | null,
    fuelPct: r.fuel_level_percentage as number | null,
  }));
}

const sum = (values: (number | null | undefined)[]): number | null => {
  const present = values.filter((v): v is number => v != null);
  return present.length ? present.reduce((a, b) => a + b, 0) : null;
};
const ratio = (a: number | null, b: number | null): number | null => (a == null || b == null || b === 0 ? null : a / b);
const groupBy = <T>(rows: T[], key: (row: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
};
const byKey = (a: Record<string, unknown>, b: Record<string, unknown>, key: string[]): number => {
  for (const k of key) {
    const [x, y] = [a[k], b[k]] as [string | number, string | number];
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
};

/** `gold.car_monthly` computed independently, in JS, from silver rows; ordered by key. */
export function expectedCarMonthly(rows: SilverDay[]): Record<string, unknown>[] {
  return [...groupBy(rows, (r) => `${r.car}|${r.at.slice(0, 7)}`).values()]
    .map((group) => {
      const sorted = [...group].sort((a, b) => (a.at < b.at ? -1 : 1));
      const first = sorted[0]!;
      const last = sorted[sorted.length - 1]!;
      const trip = sum(group.map((r) => r.tripKm));
      const fuel = sum(group.map((r) => r.tripLiters));
      return {
        car: first.car,
        year: partsOf(first.at).year,
        month: partsOf(first.at).month,
        days_reported: new Set(group.map((r) => r.at.slice(0, 10))).size,
        first_mileage: first.mileage,
        last_mileage: last.mileage,
        distance_driven_km: last.mileage - first.mileage,
        trip_distance_km: trip,
        trip_fuel_liters: fuel,
        km_per_liter: ratio(trip, fuel),
        last_fuel_level_percentage: last.fuelPct ?? null,
      };
    })
    .sort((a, b) => byKey(a, b, ["car", "year", "month"]));
}

/** `gold.manufacturer_daily` computed independently, in JS, from silver rows; ordered by key. */
export function expectedManufacturerDaily(rows: SilverDay[]): Record<string, unknown>[] {
  return [...groupBy(rows, (r) => `${r.manufacturer ?? "Unknown"}|${r.at.slice(0, 10)}`).values()]
    .map((group) => {
      const first = group[0]!;
      const trip = sum(group.map((r) => r.tripKm));
      const fuel = sum(group.map((r) => r.tripLiters));
      const levels = group.map((r) => r.fuelPct).filter((v): v is number => v != null);
      return {
        manufacturer: first.manufacturer ?? "Unknown",
        date: first.at.slice(0, 10),
        year: partsOf(first.at).year,
        month: partsOf(first.at).month,
        cars_reporting: new Set(group.map((r) => r.car)).size,
        trip_distance_km: trip,
        trip_fuel_liters: fuel,
        km_per_liter: ratio(trip, fuel),
        avg_fuel_level_percentage: levels.length ? levels.reduce((a, b) => a + b, 0) / levels.length : null,
      };
    })
    .sort((a, b) => byKey(a, b, ["manufacturer", "date"]));
}

/** Rounds every number to 6 decimals, so float sums compare by value, not by summation order. */
export function rounded(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v])),
  );
}
