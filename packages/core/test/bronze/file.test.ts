import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BronzeFile } from "../../src/bronze/file";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import type { Field } from "../../src/dataset/spec";

const record = (i: number) => ({
  carChassis: `C${i}`,
  currentMileage: i,
  metricTimestamp: "2024-01-01T00:00:00Z",
  metrics: { fuel: { fuelAvailable: i } },
});

// Every kind of column, with absent values at every level, text that repeats and text that
// does not, non-ASCII text, and a column that turns from repeating to distinct mid-group.
const fields: Field[] = [
  { name: "id", type: "string", required: true },
  { name: "at", type: "timestamp" },
  { name: "make", type: "string" },
  { name: "label", type: "string" },
  { name: "reading", type: "double" },
  { name: "ok", type: "boolean" },
  {
    name: "detail",
    type: "struct",
    fields: [
      { name: "note", type: "string" },
      { name: "level", type: "double" },
      { name: "inner", type: "struct", fields: [{ name: "flag", type: "boolean" }] },
    ],
  },
];
const varied = (i: number): Record<string, unknown> => ({
  id: `ç-${i}-ü`,
  at: i % 7 === 0 ? null : new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
  make: i % 5 === 0 ? undefined : ["Fiat", "Volkswagen", "Škoda"][i % 3],
  label: i < 30 ? "same" : `label-${i}`,
  reading: i % 4 === 0 ? null : i / 3,
  ok: i % 6 === 0 ? null : i % 2 === 0,
  detail:
    i % 9 === 0 ? null : { note: i % 2 ? `n${i % 4}` : null, level: -i, inner: i % 3 ? { flag: i % 2 === 1 } : null },
});

describe("BronzeFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "medallion-bronze-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  async function write(name: string, rows: number, options: Partial<ConstructorParameters<typeof BronzeFile>[0]> = {}) {
    const path = join(dir, name);
    const file = new BronzeFile({ fields: carTelemetry.fields, path, sourceKey: "k", rowGroupSize: 4, ...options });
    for (let i = 0; i < rows; i++) file.append(record(i), null, i, i + 1);
    return { path, written: await file.close() };
  }

  it("writes one row group per rowGroupSize rows, the last one partial", async () => {
    // Act
    const { path, written } = await write("groups.parquet", 10);
    // Assess
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    expect(written).toBe(10);
    expect(metadata.row_groups.map((group) => Number(group.num_rows))).toEqual([4, 4, 2]);
  });

  it("writes no column statistics by default, and those of numeric columns only when asked", async () => {
    // Act
    const plain = await write("no-stats.parquet", 5);
    const numeric = await write("stats.parquet", 5, { statistics: "numeric" });
    // Assess
    const statsOf = async (path: string) => {
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
      return Object.fromEntries(
        metadata.row_groups[0]!.columns.map((c) => [
          c.meta_data!.path_in_schema.join("."),
          c.meta_data!.statistics !== undefined,
        ]),
      );
    };
    expect(Object.values(await statsOf(plain.path))).not.toContain(true);
    expect(await statsOf(numeric.path)).toMatchObject({
      currentMileage: true,
      "metrics.fuel.fuelAvailable": true,
      _record_index: true,
      carChassis: false,
      metricTimestamp: false,
      _source_key: false,
    });
  });

  it("writes no file at all when no row was appended", async () => {
    // Act
    const { path, written } = await write("empty.parquet", 0, { worker: true });
    // Assess
    expect(written).toBe(0);
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });

  it("writes the same bytes on the worker as in place, and reads back every value as appended", async () => {
    // Prepare
    const rows = Array.from({ length: 250 }, (_, i) => varied(i));
    const paths = { inPlace: join(dir, "in-place.parquet"), worker: join(dir, "worker.parquet") };
    // Act
    for (const [encoder, path] of Object.entries(paths)) {
      const file = new BronzeFile({
        fields,
        path,
        sourceKey: "landing/k.json",
        rowGroupSize: 64,
        worker: encoder === "worker",
      });
      rows.forEach((row, i) => {
        file.append(row, i % 10 === 0 ? JSON.stringify({ extra: i }) : null, i, i + 1);
      });
      await file.close();
    }
    // Assess
    expect(await readFile(paths.worker)).toEqual(await readFile(paths.inPlace));
    const read = await parquetReadObjects({ file: await asyncBufferFromFile(paths.worker) });
    expect(read).toHaveLength(250);
    read.forEach((row, i) => {
      const source = rows[i]!;
      const detail = source.detail as { note: string | null; level: number; inner: { flag: boolean } | null } | null;
      expect(row).toEqual({
        id: source.id,
        at: source.at ?? null,
        make: source.make ?? null,
        label: source.label,
        reading: source.reading ?? null,
        ok: source.ok ?? null,
        // hyparquet reads a null struct as undefined
        detail: detail ? { note: detail.note, level: detail.level, inner: detail.inner ?? undefined } : undefined,
        _extra: i % 10 === 0 ? JSON.stringify({ extra: i }) : null,
        _source_key: "landing/k.json",
        _record_index: i,
        _source_line: i + 1,
      });
    });
  });

  it("writes distinct text plain, repeated text with a dictionary, and row numbers delta-packed", async () => {
    // Prepare
    const path = join(dir, "encodings.parquet");
    const file = new BronzeFile({ fields, path, sourceKey: "k", rowGroupSize: 1000, worker: false });
    for (let i = 0; i < 1000; i++) file.append(varied(i), null, i, i + 1);
    // Act
    await file.close();
    // Assess
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    const encodings = Object.fromEntries(
      metadata.row_groups[0]!.columns.map((c) => [c.meta_data!.path_in_schema.join("."), c.meta_data!.encodings]),
    );
    expect(encodings.at).toEqual(["PLAIN"]);
    expect(encodings.id).toEqual(["PLAIN"]);
    expect(encodings.make).toContain("RLE_DICTIONARY");
    expect(encodings._source_key).toContain("RLE_DICTIONARY");
    expect(encodings._record_index).toEqual(["DELTA_BINARY_PACKED"]);
    expect(encodings._source_line).toEqual(["DELTA_BINARY_PACKED"]);
    const rows = await parquetReadObjects({
      file: await asyncBufferFromFile(path),
      columns: ["_record_index", "_source_line"],
    });
    expect(rows.map((row) => [row._record_index, row._source_line])).toEqual(
      Array.from({ length: 1000 }, (_, i) => [i, i + 1]),
    );
  });

  for (const worker of [false, true]) {
    it(`reports a file that cannot be written, and keeps no part of it (${worker ? "on a worker" : "in place"})`, async () => {
      // Prepare
      const path = join(dir, "no-such-folder", "file.parquet");
      const file = new BronzeFile({ fields: carTelemetry.fields, path, sourceKey: "k", rowGroupSize: 2, worker });
      // Act
      const attempt = (async () => {
        for (let i = 0; i < 10; i++) {
          file.append(record(i), null, i, i + 1);
          await file.ready();
        }
        return file.close();
      })();
      // Assess
      await expect(attempt).rejects.toThrow(worker ? /bronze encoder: .*ENOENT/ : /ENOENT/);
      await file.discard();
      await expect(stat(path)).rejects.toThrow(/ENOENT/);
    });
  }
  it("encodes file after file, several at once, on the workers it keeps, also after a file that failed", async () => {
    // Prepare: the same rows, written in place once as the reference
    const reference = await write("pool-reference.parquet", 40, { worker: false });
    const failing = new BronzeFile({
      fields: carTelemetry.fields,
      path: join(dir, "no-such-folder", "pool.parquet"),
      sourceKey: "k",
      rowGroupSize: 4,
      worker: true,
    });
    for (let i = 0; i < 10; i++) failing.append(record(i), null, i, i + 1);
    await expect(failing.close()).rejects.toThrow(/bronze encoder: .*ENOENT/);
    await failing.discard();
    // Act: three rounds of three files at once (more than this machine's cores)
    const written: { path: string; written: number }[] = [];
    for (let round = 0; round < 3; round++)
      written.push(
        ...(await Promise.all([0, 1, 2].map((n) => write(`pool-${round}-${n}.parquet`, 40, { worker: true })))),
      );
    // Assess
    const expected = await readFile(reference.path);
    for (const file of written) {
      expect(file.written).toBe(40);
      expect(await readFile(file.path)).toEqual(expected);
    }
  });
  it("refuses a codec it cannot compress with, rather than label uncompressed pages with it", async () => {
    // Prepare
    const file = new BronzeFile({
      fields: carTelemetry.fields,
      path: join(dir, "gzip.parquet"),
      sourceKey: "k",
      codec: "GZIP",
    });
    file.append(record(1), null, 0, 1);
    // Act
    const closing = file.close();
    // Assess
    await expect(closing).rejects.toThrow(/no compressor for codec GZIP/);
  });
});
