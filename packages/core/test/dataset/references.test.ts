import { describe, expect, it } from "vitest";
import { DatasetSpecError } from "../../src/dataset/errors";
import { shippedDatasets } from "../../src/dataset/index";
import { checkReferences } from "../../src/dataset/references";
import type { DatasetSpec } from "../../src/dataset/spec";
import { validateDatasetSpec } from "../../src/dataset/validate";
import type { GoldTable } from "../../src/gold/spec";

const column = (...path: string[]) => ({ kind: "column" as const, path });

const stationDaily = (): GoldTable => ({
  name: "station_daily",
  key: ["station", "date"],
  dimensions: [
    { name: "station", type: "varchar", expr: column("station_id") },
    { name: "date", type: "date", expr: { kind: "date", of: column("observed_at") } },
  ],
  aggregates: [
    { name: "readings", kind: "count" },
    { name: "max_temperature_c", kind: "max", of: column("temperature_c") },
    { name: "last_gust", kind: "last", of: column("wind_gust_ms"), by: column("observed_at") },
  ],
  partitionBy: [],
  window: "day",
});

const weather = (): DatasetSpec => ({
  name: "weather",
  landingPrefix: "weather/",
  fields: [
    { name: "station_id", type: "string", required: true },
    { name: "observed_at", type: "timestamp", required: true },
    { name: "temperature_c", type: "double" },
    { name: "humidity_pct", type: "double" },
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
    cleanse: { station_id: "upper" },
    derived: [
      { name: "gust_factor", kind: "ratio", numerator: "wind_gust_ms", denominator: "wind_speed_ms" },
      { name: "gust_pct", kind: "ratio", numerator: "gust_factor", denominator: "humidity_pct", scale: 100 },
    ],
    partition: { from: "observed_at", year: "y", month: "m", day: "d" },
    dedup: { key: ["station_id", "observed_at", "y", "m", "d"], order: [{ column: "_record_index" }] },
    retentionDays: 1,
  },
  gold: { tables: [stationDaily()] },
});

describe("checkReferences", () => {
  it("finds nothing wrong in the shipped datasets or a spec naming fields, derived, partition and lineage columns", () => {
    // Act
    const issues = [...Object.values(shippedDatasets), weather()].flatMap(checkReferences);
    // Assess
    expect(issues).toEqual([]);
  });

  it("names the table, the expression and the closest candidate of every unknown silver column", () => {
    // Prepare
    const spec = weather();
    spec.silver = {
      ...spec.silver!,
      cleanse: { staton_id: "upper" },
      derived: [{ name: "gust_factor", kind: "ratio", numerator: "wind.gust_ms", denominator: "wind_speed" }],
      dedup: { key: ["station_id", "y", "m", "d"], order: [{ column: "humidty_pct", descending: true }] },
    };
    // Act
    const issues = checkReferences(spec);
    // Assess
    expect(issues.map((issue) => issue.path)).toEqual([
      "silver.cleanse.staton_id",
      "silver.derived[0].numerator",
      "silver.derived[0].denominator",
      "silver.dedup.order[0]",
    ]);
    expect(issues[0]!.reason).toMatch(
      /^cleanse rule for staton_id names column staton_id, which silver\.weather does not have \(did you mean station_id\?/,
    );
    expect(issues[1]!.reason).toMatch(/derived column gust_factor \(ratio\) names column wind\.gust_ms.*wind_gust_ms/);
    expect(issues[2]!.reason).toMatch(/did you mean wind_speed_ms\?/);
    expect(issues[3]!.reason).toMatch(/dedup order names column humidty_pct.*did you mean humidity_pct\?/);
    expect(issues[3]!.reason).toMatch(/columns: station_id, observed_at, temperature_c, humidity_pct, wind_speed_ms/);
  });

  it("checks gold expressions against silver's columns, and says when a struct path should be flattened", () => {
    // Prepare
    const spec = weather();
    const table = stationDaily();
    table.dimensions[0]!.expr = column("station");
    table.aggregates[1] = { name: "max_temperature_c", kind: "max", of: column("temprature_c") };
    table.aggregates[2] = { name: "last_gust", kind: "last", of: column("wind", "gust_ms"), by: column("observed") };
    spec.gold = { tables: [table] };
    // Act
    const issues = checkReferences(spec);
    // Assess
    expect(issues).toEqual([
      {
        path: "gold.tables[0].dimensions[0]",
        reason: expect.stringMatching(
          /^gold table station_daily: dimension station = station names column station, which silver\.weather does not have \(did you mean station_id\?/,
        ),
      },
      {
        path: "gold.tables[0].aggregates[1]",
        reason: expect.stringMatching(
          /aggregate max_temperature_c \(max\) = temprature_c names column temprature_c.*did you mean temperature_c\?/,
        ),
      },
      {
        path: "gold.tables[0].aggregates[2]",
        reason: expect.stringMatching(
          /reads wind\.gust_ms, but silver\.weather flattens structs: name the column wind_gust_ms/,
        ),
      },
      {
        path: "gold.tables[0].aggregates[2]",
        reason: expect.stringMatching(/aggregate last_gust \(last by\) = observed names column observed.*observed_at/),
      },
    ]);
  });

  it("stops validation with every unknown column listed, file named, before the other checks", () => {
    // Prepare
    const spec = weather();
    spec.silver!.dedup.order = [{ column: "humidty_pct" }];
    spec.gold!.tables[0]!.aggregates[1] = { name: "max_temperature_c", kind: "max", of: column("temp") };
    // Act
    let error: unknown;
    try {
      validateDatasetSpec(spec, { file: "/specs/weather.ts" });
    } catch (caught) {
      error = caught;
    }
    // Assess
    expect(error).toBeInstanceOf(DatasetSpecError);
    expect((error as DatasetSpecError).issues.map((issue) => issue.path)).toEqual([
      "silver.dedup.order[0]",
      "gold.tables[0].aggregates[1]",
    ]);
    expect((error as Error).message).toMatch(
      /^dataset spec \/specs\/weather\.ts is invalid:\n {2}- silver\.dedup\.order\[0\]: /,
    );
  });
});
