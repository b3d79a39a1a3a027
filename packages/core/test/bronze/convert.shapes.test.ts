import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertToBronze } from "../../src/bronze/convert";
import type { DatasetSpec } from "../../src/dataset/spec";

// A GeoJSON-like feed, as published: an envelope whose `features` are the records.
const spec: DatasetSpec = {
  name: "quakes",
  landingPrefix: "quakes/",
  records: "features",
  fields: [
    { name: "id", type: "string", required: true },
    {
      name: "properties",
      type: "struct",
      fields: [
        { name: "mag", type: "double" },
        { name: "time", type: "timestamp", format: "epoch_ms", required: true },
        { name: "felt", type: "integer" },
        { name: "title", type: "string" },
        { name: "big_id", from: "Big Id", type: "integer" },
      ],
    },
    {
      name: "geometry",
      type: "struct",
      fields: [{ name: "coordinates", type: "list", items: { type: "double" } }],
    },
    {
      name: "stations",
      type: "list",
      items: {
        type: "struct",
        fields: [
          { name: "code", type: "string" },
          { name: "seen", type: "date", format: "MMM d yyyy" },
        ],
      },
    },
  ],
};

function feature(i: number): string {
  return JSON.stringify({
    type: "Feature",
    id: `q${i}`,
    properties: {
      mag: i / 10,
      time: 1718000000000 + i * 1000,
      felt: i % 3 === 0 ? null : i,
      title: i % 4 === 0 ? i : `M ${i / 10}`,
      "Big Id": "BIG",
    },
    geometry: { type: "Point", coordinates: [-117 - i / 100, 33.5, i % 5 === 0 ? null : 10.25] },
    stations: i % 2 ? [{ code: `S${i}`, seen: "Jun 2 1998" }, null] : null,
  }).replace('"BIG"', String(9007199254740993n + BigInt(i)));
}

async function* once(text: string): AsyncIterable<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += 4096) yield bytes.subarray(i, i + 4096);
}

describe("convertToBronze on a published envelope with integers, lists and epoch times", () => {
  let dir: string;
  let duck: DuckDBInstance;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "medallion-shapes-"));
    duck = await DuckDBInstance.create(":memory:");
  });
  afterAll(async () => {
    duck.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  for (const { encoder, options } of [
    { encoder: "in place", options: { worker: false } },
    { encoder: "on a worker", options: { rowGroupSize: 7, worker: true } },
  ]) {
    it(`lands every feature with exact values and Parquet types DuckDB reads (encoded ${encoder})`, async () => {
      // Prepare
      const count = 40;
      const text = `{"type":"FeatureCollection","metadata":{"count":${count}},"features":[\n${Array.from({ length: count }, (_, i) => feature(i)).join(",\n")}\n],"bbox":[1,2]}`;
      const parquetPath = join(dir, `${options.worker}.parquet`);
      // Act
      const result = await convertToBronze(once(text), { spec, sourceKey: "quakes/a.json", parquetPath, ...options });
      // Assess
      expect(result).toMatchObject({ recordsIn: count, recordsBronze: count, recordsRejected: 0 });
      expect(result.coerced).toEqual({ "properties.title": 10 });
      const connection = await duck.connect();
      const types = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${parquetPath}')`);
      expect(
        Object.fromEntries(types.getRowObjectsJson().map((row) => [row.column_name, row.column_type])),
      ).toMatchObject({
        properties: 'STRUCT(mag DOUBLE, "time" VARCHAR, felt BIGINT, title VARCHAR, big_id BIGINT)',
        geometry: "STRUCT(coordinates DOUBLE[])",
        stations: "STRUCT(code VARCHAR, seen VARCHAR)[]",
      });
      const read = await connection.runAndReadAll(
        `SELECT id, properties.time AS time, properties.felt AS felt, properties.title AS title,
                CAST(properties.big_id AS VARCHAR) AS big_id, geometry.coordinates AS coordinates,
                stations, _source_line
         FROM read_parquet('${parquetPath}') ORDER BY _record_index`,
      );
      const rows = read.getRowObjectsJson();
      connection.closeSync();
      expect(rows).toHaveLength(count);
      for (const [i, row] of rows.entries()) {
        expect(row).toEqual({
          id: `q${i}`,
          time: new Date(1718000000000 + i * 1000).toISOString(),
          felt: i % 3 === 0 ? null : String(i),
          title: i % 4 === 0 ? String(i) : `M ${i / 10}`,
          big_id: String(9007199254740993n + BigInt(i)),
          coordinates: [-117 - i / 100, 33.5, i % 5 === 0 ? null : 10.25],
          stations: i % 2 ? [{ code: `S${i}`, seen: "1998-06-02" }, null] : null,
          _source_line: i + 2,
        });
      }
    });
  }
});
