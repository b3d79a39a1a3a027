import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertToBronze } from "@medallion/core/bronze";
import { loadDatasetSpec } from "@medallion/core/dataset";
import { medallion } from "@medallion/testing/cli";
import { apiPages, featureCollection, filmRecord, quakeFeature } from "@medallion/testing/shapes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specInit } from "../../src/commands/spec-init";

const films = Array.from({ length: 30 }, (_, i) => filmRecord(i));
const quakes = Array.from({ length: 40 }, (_, i) => quakeFeature(i));

// Each shape a user brings, as files, and how many records they hold.
const shapes = [
  {
    name: "quakes",
    files: { "a.geojson": featureCollection(quakes.slice(0, 25)), "b.geojson": featureCollection(quakes.slice(25)) },
    records: 40,
    shape: "a document with its records at features",
  },
  {
    name: "film_pages",
    files: { "pages.ndjson": apiPages(films, 7) },
    records: 30,
    shape: "NDJSON of documents with its records at data.items",
  },
  { name: "film_lines", files: { "films.ndjson": `${films.join("\n")}\n` }, records: 30, shape: "NDJSON" },
  { name: "film_array", files: { "films.json": `[\n${films.join(",\n")}\n]` }, records: 30, shape: "a JSON array" },
  {
    name: "film_api",
    files: { "page.json": JSON.stringify({ data: { items: films.map((f) => JSON.parse(f)) }, next: null }) },
    records: 30,
    shape: "a document with its records at data.items",
  },
];

describe("medallion spec init", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "medallion-spec-init-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.each(shapes)(
    "drafts a spec from $name that, unmodified, ingests every record with none quarantined",
    async ({ name, files, records, shape }) => {
      // Prepare
      const samples = join(root, name);
      await mkdir(samples);
      for (const [file, text] of Object.entries(files)) await writeFile(join(samples, file), text);
      // Act
      const result = await specInit({ name, from: [samples], out: join(root, `${name}.ts`), command: "spec init" });
      const spec = await loadDatasetSpec(result.path);
      const counts = { in: 0, bronze: 0, rejected: 0 };
      for (const file of await readdir(samples)) {
        const converted = await convertToBronze(createReadStream(join(samples, file)), {
          spec,
          sourceKey: `${name}/${file}`,
          parquetPath: join(root, `${name}-${file}.parquet`),
        });
        counts.in += converted.recordsIn;
        counts.bronze += converted.recordsBronze;
        counts.rejected += converted.recordsRejected;
      }
      // Assess
      expect(result.shapes.map((s) => s.shape)).toEqual(Object.keys(files).map(() => shape));
      expect(result).toMatchObject({ sampled: records, rejected: 0 });
      expect(counts).toEqual({ in: records, bronze: records, rejected: 0 });
    },
  );

  it("infers what the data says: renamed keys, 64-bit integers, pattern dates, epoch times, lists, required", async () => {
    // Prepare
    const samples = join(root, "films_types");
    await mkdir(samples);
    await writeFile(join(samples, "pages.ndjson"), apiPages(films, 10));
    // Act
    const { drafted } = await specInit({
      name: "films_types",
      from: [samples],
      out: join(root, "ft.ts"),
      command: "x",
    });
    // Assess
    expect(drafted.spec.records).toBe("data.items");
    expect(drafted.spec.fields).toEqual([
      { name: "film_id", from: "Film Id", type: "integer", required: true },
      { name: "Title", type: "string", required: true },
      { name: "us_gross", from: "US Gross", type: "integer" },
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
    ]);
    expect(drafted.text).toMatch(
      /\{ name: "film_id", from: "Film Id", type: "integer", required: true \}, \/\/ integers beyond 2\^53: kept exact; likely key/,
    );
    expect(drafted.text).toMatch(/\/\/ {3}partition: \{ from: "updated_at"/);
    expect(drafted.review).toEqual(["film_id: integers beyond 2^53: kept exact", "Title: seen as number and string"]);
  });

  it("prints where it wrote and what to review, and refuses to overwrite a file (exit code 2)", async () => {
    // Prepare
    const samples = join(root, "cli");
    await mkdir(samples);
    await writeFile(join(samples, "q.geojson"), featureCollection(quakes));
    const out = join(root, "cli.ts");
    // Act
    const first = await medallion(["spec", "init", "quakes_cli", "--from", samples, "--out", out]);
    const again = await medallion(["spec", "init", "quakes_cli", "--from", samples, "--out", out]);
    // Assess
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /^Drafted .*cli\.ts: dataset quakes_cli, 4 field\(s\), from 40 record\(s\) of 1 file\(s\)/,
    );
    expect(first.stdout).toMatch(/properties\.title: seen as number and string/);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/cli\.ts exists; choose another --out or remove it/);
  });
});
