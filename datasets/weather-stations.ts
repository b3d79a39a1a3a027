import type { DatasetSpec } from "@medallion/core/dataset";

// Readings of weather stations: one JSON object per reading, dropped under `weather/`.
// Listed in datasets/index.ts, so every command knows it: npx medallion run --dataset weather_stations --landing <folder of JSON files>
export default {
  name: "weather_stations",
  landingPrefix: "weather/",
  fields: [
    { name: "station_id", type: "string", required: true, description: "Station code, e.g. LIS-01" },
    { name: "observed_at", type: "timestamp", required: true, description: "ISO-8601 with an offset or Z" },
    { name: "temperature_c", type: "double" },
    { name: "humidity_pct", type: "double" },
    { name: "city", type: "string" },
    {
      name: "wind",
      type: "struct",
      fields: [
        { name: "speed_ms", type: "double" },
        { name: "gust_ms", type: "double" },
      ],
    },
  ],
  silver: {
    // Every string is trimmed; these are also normalised.
    cleanse: { station_id: "upper", city: "title_case" },
    // Struct fields are flattened with "_": wind.gust_ms is the column wind_gust_ms.
    derived: [{ name: "gust_factor", kind: "ratio", numerator: "wind_gust_ms", denominator: "wind_speed_ms" }],
    partition: { from: "observed_at", year: "obs_year", month: "obs_month", day: "obs_day" },
    // A station may send the same reading twice: keep one per station and instant.
    dedup: {
      key: ["station_id", "observed_at", "obs_year", "obs_month", "obs_day"],
      order: [{ column: "humidity_pct", descending: true }],
    },
    retentionDays: 7,
  },
  gold: {
    tables: [
      {
        name: "station_daily",
        description: "Per station and day: readings, temperature range and mean",
        key: ["station", "date"],
        dimensions: [
          { name: "station", type: "varchar", expr: { kind: "column", path: ["station_id"] } },
          { name: "date", type: "date", expr: { kind: "date", of: { kind: "column", path: ["observed_at"] } } },
          { name: "year", type: "integer", expr: { kind: "column", path: ["obs_year"] } },
          { name: "month", type: "integer", expr: { kind: "column", path: ["obs_month"] } },
        ],
        aggregates: [
          { name: "readings", kind: "count" },
          { name: "min_temperature_c", kind: "min", of: { kind: "column", path: ["temperature_c"] } },
          { name: "max_temperature_c", kind: "max", of: { kind: "column", path: ["temperature_c"] } },
          { name: "avg_temperature_c", kind: "avg", of: { kind: "column", path: ["temperature_c"] } },
        ],
        partitionBy: ["year", "month"],
        window: "day",
      },
    ],
  },
} satisfies DatasetSpec;
