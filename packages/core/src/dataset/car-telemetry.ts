import { carTelemetryGold } from "./car-telemetry-gold";
import type { DatasetSpec } from "./spec";

/** Car telemetry: one reading per car per moment, uploaded by the cars' gateways. */
export const carTelemetry = {
  name: "car_telemetry",
  landingPrefix: "car_telemetry/",
  // Cars report all day: an hour without a file means a gateway is down.
  monitoring: { maxQuarantineRate: 0.05, expectedEveryMinutes: 60 },
  fields: [
    { name: "carChassis", type: "string", required: true },
    { name: "currentMileage", type: "double", required: true },
    { name: "metricTimestamp", type: "timestamp", required: true },
    { name: "Manufacturer", type: "string" },
    { name: "Model", type: "string" },
    { name: "color", type: "string" },
    {
      name: "metrics",
      type: "struct",
      fields: [
        {
          name: "trip",
          type: "struct",
          fields: [
            { name: "tripMileage", type: "double" },
            { name: "tripFuelLiters", type: "double" },
          ],
        },
        {
          name: "fuel",
          type: "struct",
          fields: [
            { name: "fuelAvailable", type: "double" },
            { name: "fuelCapacity", type: "double" },
          ],
        },
      ],
    },
  ],
  silver: {
    cleanse: { Manufacturer: "title_case", color: "lower" },
    derived: [
      {
        name: "fuel_level_percentage",
        kind: "ratio",
        numerator: "metrics_fuel_fuelAvailable",
        denominator: "metrics_fuel_fuelCapacity",
        scale: 100,
      },
      {
        name: "km_per_liter",
        kind: "ratio",
        numerator: "metrics_trip_tripMileage",
        denominator: "metrics_trip_tripFuelLiters",
      },
    ],
    partition: { from: "metricTimestamp", year: "event_year", month: "event_month", day: "event_day" },
    // One reading per car per day: the one with the highest mileage.
    dedup: {
      key: ["carChassis", "event_year", "event_month", "event_day"],
      order: [{ column: "currentMileage", descending: true }],
    },
    retentionDays: 7,
  },
  gold: carTelemetryGold,
} satisfies DatasetSpec;
