import type { GoldSpec, GoldTable } from "../gold/spec";
import type { Expr } from "../sql/ast";
import { column, lit } from "../sql/ast";

// Silver columns of car telemetry (flattened, cleansed, derived): see car-telemetry.ts.
const timestamp = column("metricTimestamp");
const tripKm = column("metrics_trip_tripMileage");
const tripLiters = column("metrics_trip_tripFuelLiters");
// Readings without a manufacturer still count, under one explicit name: a NULL key part
// would never match in a MERGE and be inserted again on every run.
const manufacturer: Expr = {
  kind: "case",
  whens: [{ when: { kind: "isNull", expr: column("Manufacturer") }, then: lit("Unknown") }],
  otherwise: column("Manufacturer"),
};

/**
 * `gold.car_monthly`: one row per car per month. Silver keeps one reading per car per day
 * (the highest mileage), so the month's figures come from its days; a late day recomputes
 * the whole month from silver, never adds a delta.
 */
export const carMonthly: GoldTable = {
  name: "car_monthly",
  description:
    "Per car and month: days reported, mileage, distance, trip distance and fuel, km per litre, last fuel level",
  key: ["car", "year", "month"],
  dimensions: [
    { name: "car", type: "varchar", expr: column("carChassis") },
    { name: "year", type: "integer", expr: column("event_year") },
    { name: "month", type: "integer", expr: column("event_month") },
  ],
  aggregates: [
    { name: "days_reported", kind: "countDistinct", of: column("event_day") },
    { name: "first_mileage", kind: "first", of: column("currentMileage"), by: timestamp },
    { name: "last_mileage", kind: "last", of: column("currentMileage"), by: timestamp },
    { name: "distance_driven_km", kind: "difference", minuend: "last_mileage", subtrahend: "first_mileage" },
    { name: "trip_distance_km", kind: "sum", of: tripKm },
    { name: "trip_fuel_liters", kind: "sum", of: tripLiters },
    { name: "km_per_liter", kind: "ratio", numerator: "trip_distance_km", denominator: "trip_fuel_liters" },
    { name: "last_fuel_level_percentage", kind: "last", of: column("fuel_level_percentage"), by: timestamp },
  ],
  partitionBy: ["year", "month"],
  window: "month",
};

/** `gold.manufacturer_daily`: one row per manufacturer per day, across its cars. */
export const manufacturerDaily: GoldTable = {
  name: "manufacturer_daily",
  description: "Per manufacturer and day: cars reporting, trip distance, km per litre, average fuel level",
  key: ["manufacturer", "date"],
  dimensions: [
    { name: "manufacturer", type: "varchar", expr: manufacturer },
    { name: "date", type: "date", expr: { kind: "date", of: timestamp } },
    // Partition columns: constant within a day, so they never split a key.
    { name: "year", type: "integer", expr: column("event_year") },
    { name: "month", type: "integer", expr: column("event_month") },
  ],
  aggregates: [
    { name: "cars_reporting", kind: "countDistinct", of: column("carChassis") },
    { name: "trip_distance_km", kind: "sum", of: tripKm },
    { name: "trip_fuel_liters", kind: "sum", of: tripLiters },
    { name: "km_per_liter", kind: "ratio", numerator: "trip_distance_km", denominator: "trip_fuel_liters" },
    { name: "avg_fuel_level_percentage", kind: "avg", of: column("fuel_level_percentage") },
  ],
  partitionBy: ["year", "month"],
  window: "day",
};

/** Gold section of the car-telemetry spec (`carTelemetry.gold`). */
export const carTelemetryGold: GoldSpec = { database: "gold", tables: [carMonthly, manufacturerDaily] };
