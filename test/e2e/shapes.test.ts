import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { medallion } from "@medallion/testing/cli";
import { apiPages, featureCollection, filmRecord, quakeFeature } from "@medallion/testing/shapes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Data as published (a GeoJSON FeatureCollection, an API's paged envelopes), through the CLI
// as a user runs it, into bronze, silver and gold: each compared with what an independent
// DuckDB query of the source files computes.

const quakesSpec = {
  name: "quakes",
  landingPrefix: "quakes/",
  records: "features",
  fields: [
    { name: "id", type: "string", required: true },
    {
      name: "properties",
      type: "struct",
      required: true,
      fields: [
        { name: "mag", type: "double" },
        { name: "place", type: "string" },
        { name: "time", type: "timestamp", format: "epoch_ms", required: true },
        { name: "updated", type: "timestamp", format: "epoch_ms", required: true },
        { name: "felt", type: "integer" },
        { name: "tsunami", type: "integer" },
        { name: "net", type: "string", required: true },
        { name: "title", type: "string" },
      ],
    },
    { name: "geometry", type: "struct", fields: [{ name: "coordinates", type: "list", items: { type: "double" } }] },
  ],
  silver: {
    // Partitioned and deduplicated by a struct's field, flattened: properties.time → properties_time.
    partition: { from: "properties_time", year: "y", month: "m", day: "d" },
    dedup: { key: ["id", "y", "m", "d"], order: [{ column: "properties_updated", descending: true }] },
    retentionDays: 1,
  },
  gold: {
    tables: [
      {
        name: "quakes_daily",
        key: ["day", "net"],
        dimensions: [
          { name: "day", type: "date", expr: { kind: "date", of: { kind: "column", path: ["properties_time"] } } },
          { name: "net", type: "varchar", expr: { kind: "column", path: ["properties_net"] } },
          { name: "year", type: "integer", expr: { kind: "column", path: ["y"] } },
          { name: "month", type: "integer", expr: { kind: "column", path: ["m"] } },
        ],
        aggregates: [
          { name: "quakes", kind: "count" },
          { name: "max_mag", kind: "max", of: { kind: "column", path: ["properties_mag"] } },
          { name: "felt_total", kind: "sum", type: "bigint", of: { kind: "column", path: ["properties_felt"] } },
        ],
        partitionBy: ["year", "month"],
        window: "day",
      },
    ],
  },
};

const filmsSpec = {
  name: "films",
  landingPrefix: "films/",
  records: "data.items",
  fields: [
    { name: "film_id", from: "Film Id", type: "integer", required: true },
    { name: "title", from: "Title", type: "string", required: true },
    { name: "us_gross", from: "US Gross", type: "double" },
    { name: "running_time_min", from: "Running Time (min)", type: "integer" },
    { name: "release_date", from: "Release Date", type: "date", format: "MMM d yyyy" },
    { name: "updated_at", type: "timestamp", format: "epoch_s", required: true },
    { name: "ratings", type: "list", items: { type: "double" } },
    {
      name: "cast",
      type: "list",
      items: {
        type: "struct",
        fields: [
          { name: "name", type: "string", required: true },
          { name: "born_year", from: "Born (year)", type: "integer" },
        ],
      },
    },
  ],
  silver: {
    partition: { from: "updated_at", year: "y", month: "m", day: "d" },
    dedup: { key: ["film_id", "y", "m", "d"], order: [{ column: "updated_at", descending: true }] },
    retentionDays: 1,
  },
  gold: {
    tables: [
      {
        name: "films_monthly",
        key: ["year", "month"],
        dimensions: [
          { name: "year", type: "integer", expr: { kind: "column", path: ["y"] } },
          { name: "month", type: "integer", expr: { kind: "column", path: ["m"] } },
        ],
        aggregates: [
          { name: "films", kind: "count" },
          { name: "gross", kind: "sum", of: { kind: "column", path: ["us_gross"] } },
          { name: "max_film_id", kind: "max", type: "bigint", of: { kind: "column", path: ["film_id"] } },
          { name: "minutes", kind: "sum", type: "bigint", of: { kind: "column", path: ["running_time_min"] } },
        ],
        partitionBy: ["year"],
        window: "month",
      },
    ],
  },
};

describe("published shapes end to end: bronze, silver and gold equal an independent DuckDB reading", () => {
  let root: string;
  let duck: DuckDBInstance;
  const sources: Record<string, string> = {};
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-shapes-"));
    duck = await DuckDBInstance.create(":memory:");
    for (const [name, spec] of [
      ["quakes", quakesSpec],
      ["films", filmsSpec],
    ] as const) {
      await mkdir(join(root, name, "landing"), { recursive: true });
      await writeFile(join(root, name, "spec.ts"), `export default ${JSON.stringify(spec, null, 2)};\n`);
    }
    // 120 features, 90 distinct events (30 re-sent, updated later), in two files.
    const features = Array.from({ length: 120 }, (_, i) => quakeFeature(i, { distinct: 90 }));
    sources.quakes = join(root, "quakes", "landing");
    await writeFile(join(sources.quakes, "day-1.geojson"), featureCollection(features.slice(0, 70)));
    await writeFile(join(sources.quakes, "day-2.geojson"), featureCollection(features.slice(70)));
    // 45 films in pages of 10 (NDJSON of envelopes).
    sources.films = join(root, "films", "landing");
    await writeFile(
      join(sources.films, "films.ndjson"),
      apiPages(
        Array.from({ length: 45 }, (_, i) => filmRecord(i)),
        10,
      ),
    );
  });
  afterAll(async () => {
    duck.closeSync();
    await rm(root, { recursive: true, force: true });
  });

  // A JSON form with DuckDB's integers as numbers wherever they are exact, nested ones too.
  function exactIntegers(json: unknown, raw: unknown): unknown {
    if (typeof raw === "bigint") return Number.isSafeInteger(Number(raw)) ? Number(raw) : json;
    if (Array.isArray(json)) {
      const items = (raw as { items?: unknown[] } | null)?.items ?? (Array.isArray(raw) ? raw : []);
      return json.map((item, i) => exactIntegers(item, items[i]));
    }
    if (json && typeof json === "object") {
      const fields = (raw as { entries?: Record<string, unknown> } | null)?.entries ?? (raw as Record<string, unknown>);
      return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, exactIntegers(v, fields?.[k])]));
    }
    return json;
  }

  async function independent(sql: string): Promise<Record<string, unknown>[]> {
    const connection = await duck.connect();
    try {
      await connection.run("SET TimeZone = 'UTC'");
      // As medallion query prints them: JSON forms, integers as numbers while they are exact.
      const reader = await connection.runAndReadAll(sql);
      const raw = reader.getRowObjects();
      return reader.getRowObjectsJson().map((row, i) => exactIntegers(row, raw[i]) as Record<string, unknown>);
    } finally {
      connection.closeSync();
    }
  }

  async function run(name: string) {
    const state = join(root, name, "state");
    const spec = join(root, name, "spec.ts");
    const result = await medallion(["run", "--spec", spec, "--landing", sources[name]!, "--json", "--data-dir", state]);
    expect(result.code, result.stderr).toBe(0);
    const query = async (sql: string) => {
      const out = await medallion(["query", "--spec", spec, "--json", "--data-dir", state, sql]);
      expect(out.code, out.stderr).toBe(0);
      return (JSON.parse(out.stdout) as { results: { rows: Record<string, unknown>[] }[] }).results[0]!.rows;
    };
    return { summary: JSON.parse(result.stdout), query };
  }

  it("lands a FeatureCollection: every feature in bronze, one per event in silver, daily gold, as DuckDB computes", async () => {
    // Act
    const { summary, query } = await run("quakes");
    // Assess: nothing quarantined; numeric titles taken as their text, and counted
    const files = `'${sources.quakes}/*.geojson'`;
    const source = `(SELECT unnest(features) AS f FROM read_json(${files}, columns = {features: 'JSON[]'}))`;
    const [{ numericTitles }] = (await independent(
      `SELECT count(*) AS numericTitles FROM ${source} WHERE json_type(f, '$.properties.title') = 'UBIGINT'`,
    )) as [{ numericTitles: string | number }];
    expect(summary.totals).toMatchObject({ recordsIn: 120, recordsBronze: 120, recordsQuarantined: 0 });
    expect(summary.totals.coerced).toEqual({ "properties.title": Number(numericTitles) });
    expect(summary.pipeline.status).toBe("SUCCEEDED");
    const rows = `SELECT f->>'$.id' AS id, f->>'$.properties.title' AS title,
        CAST(f->>'$.properties.felt' AS BIGINT) AS felt, CAST(f->>'$.properties.mag' AS DOUBLE) AS mag,
        f->>'$.properties.net' AS net, make_timestamp(CAST(f->>'$.properties.time' AS BIGINT) * 1000) AS t,
        CAST(f->>'$.properties.updated' AS BIGINT) AS updated,
        CAST(f->'$.geometry.coordinates' AS DOUBLE[]) AS coordinates FROM ${source}`;
    const latest = `(${rows} QUALIFY row_number() OVER (PARTITION BY id, CAST(t AS DATE) ORDER BY updated DESC) = 1)`;
    // Bronze: every feature, integers and lists as written.
    const bronze = await query(
      "SELECT id, properties.felt AS felt, geometry.coordinates AS coordinates FROM bronze.quakes ORDER BY id, properties.updated",
    );
    expect(bronze).toEqual(await independent(`SELECT id, felt, coordinates FROM (${rows}) ORDER BY id, updated`));
    // Silver: one row per event and day, the latest update, partitioned by the struct's time.
    const silver = await query(
      "SELECT id, properties_title AS title, properties_felt AS felt, geometry_coordinates AS coordinates, CAST(properties_time AS VARCHAR) AS t, y, m, d FROM silver.quakes ORDER BY id",
    );
    expect(silver).toHaveLength(90);
    expect(silver).toEqual(
      await independent(
        `SELECT id, title, felt, coordinates, CAST(t AS VARCHAR) AS t, year(t) AS y, month(t) AS m, day(t) AS d FROM ${latest} ORDER BY id`,
      ),
    );
    // Gold: per day and network.
    const gold = await query(
      "SELECT CAST(day AS VARCHAR) AS day, net, quakes, max_mag, felt_total FROM gold.quakes_daily ORDER BY day, net",
    );
    expect(gold).toEqual(
      await independent(
        `SELECT CAST(CAST(t AS DATE) AS VARCHAR) AS day, net, count(*) AS quakes, max(mag) AS max_mag, CAST(sum(felt) AS BIGINT) AS felt_total
         FROM ${latest} GROUP BY ALL ORDER BY day, net`,
      ),
    );
  });

  it("lands an API's paged envelopes: renamed keys, 64-bit ids, pattern dates, epoch seconds, lists of numbers and structs", async () => {
    // Act
    const { summary, query } = await run("films");
    // Assess
    const file = `'${sources.films}/films.ndjson'`;
    const items = `(SELECT unnest(data.items) AS f FROM read_json(${file}, format = 'newline_delimited', columns = {data: 'STRUCT(items JSON[])'}))`;
    expect(summary.totals).toMatchObject({ recordsIn: 45, recordsBronze: 45, recordsQuarantined: 0 });
    expect(summary.totals.coerced).toEqual({ Title: 5 });
    const rows = `SELECT f->>'$."Film Id"' AS film_id, f->>'$.Title' AS title, CAST(f->>'$."US Gross"' AS DOUBLE) AS us_gross,
        CAST(f->>'$."Running Time (min)"' AS BIGINT) AS running_time_min,
        CAST(strptime(f->>'$."Release Date"', '%b %d %Y') AS DATE) AS release_date,
        make_timestamp(CAST(f->>'$.updated_at' AS BIGINT) * 1000000) AS updated_at,
        CAST(f->'$.ratings' AS DOUBLE[]) AS ratings,
        CAST(f->'$.cast' AS STRUCT(name VARCHAR, "Born (year)" BIGINT)[]) AS "cast" FROM ${items}`;
    // Silver: the ids exact beyond 2^53 (compared as text), every shape as the source says.
    const silver = await query(
      `SELECT CAST(film_id AS VARCHAR) AS film_id, title, us_gross, running_time_min, CAST(release_date AS VARCHAR) AS release_date,
         CAST(updated_at AS VARCHAR) AS updated_at, ratings, "cast" FROM silver.films ORDER BY film_id`,
    );
    expect(silver).toHaveLength(45);
    const expected = await independent(
      `SELECT film_id, title, us_gross, running_time_min, CAST(release_date AS VARCHAR) AS release_date,
         CAST(updated_at AS VARCHAR) AS updated_at, ratings,
         list_transform("cast", c -> {'name': c.name, 'born_year': c."Born (year)"}) AS "cast"
       FROM (${rows}) ORDER BY CAST(film_id AS HUGEINT)`,
    );
    expect(silver).toEqual(expected);
    // Gold: sums and an exact 64-bit maximum, as JSON text beyond 2^53.
    const gold = await query(
      "SELECT year, month, films, gross, max_film_id, minutes FROM gold.films_monthly ORDER BY year, month",
    );
    expect(gold).toEqual(
      await independent(
        `SELECT year(updated_at) AS year, month(updated_at) AS month, count(*) AS films, sum(us_gross) AS gross,
           CAST(max(CAST(film_id AS BIGINT)) AS VARCHAR) AS max_film_id, CAST(sum(running_time_min) AS BIGINT) AS minutes
         FROM (${rows}) GROUP BY ALL ORDER BY year, month`,
      ),
    );
  });
});
