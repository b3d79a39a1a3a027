import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertToBronze } from "../../src/bronze/convert";
import { UnparseableFileError } from "../../src/bronze/errors";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { parquetPartitions, partitionDays } from "../../src/silver/partition";

const files = join(import.meta.dirname, "../files");
const expected = JSON.parse(await readFile(join(files, "car-telemetry.expected.json"), "utf8")) as {
  rows: Record<string, unknown>[];
  lines: Record<"ndjson" | "array" | "object", number[]>;
};
// Every golden check runs encoded in place (a small file), and, for inputs of several rows,
// on the worker thread (one row per group, so the second row starts it).
const encoders = [
  { encoder: "in place", options: { worker: false } },
  { encoder: "on a worker", options: { rowGroupSize: 1, worker: true } },
] as const;
const cases = [
  { format: "ndjson", file: "car-telemetry.ndjson", rows: expected.rows },
  { format: "array", file: "car-telemetry.array.json", rows: expected.rows },
  { format: "object", file: "car-telemetry.object.json", rows: expected.rows.slice(0, 1) },
] as const;

function expectedRows(
  format: (typeof cases)[number]["format"],
  rows: readonly Record<string, unknown>[],
  sourceKey: string,
) {
  return rows.map((row, i) => ({ ...row, _source_key: sourceKey, _source_line: expected.lines[format][i] }));
}

// hyparquet reads a null struct inside a struct as undefined; DuckDB (below) shows it is null.
function undefinedAsNull(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, undefinedAsNull(v)]));
}

async function readBack(path: string) {
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path) });
  return rows.map(undefinedAsNull);
}

async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe("convertToBronze", () => {
  let dir: string;
  let duck: DuckDBInstance;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "medallion-convert-"));
    duck = await DuckDBInstance.create(":memory:");
  });
  afterAll(async () => {
    duck.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  for (const { format, file, rows } of cases)
    for (const { encoder, options } of rows.length > 1 ? encoders : encoders.slice(0, 1)) {
      it(`writes ${format} input to Parquet that hyparquet reads back identical to the golden rows (encoded ${encoder})`, async () => {
        // Prepare
        const parquetPath = join(dir, `${format}-${options.worker}.parquet`);
        const sourceKey = `car_telemetry/${file}`;
        // Act
        const result = await convertToBronze(createReadStream(join(files, file)), {
          spec: carTelemetry,
          sourceKey,
          parquetPath,
          ...options,
        });
        // Assess
        expect(result).toMatchObject({
          recordsIn: rows.length,
          recordsBronze: rows.length,
          recordsRejected: 0,
          parquetPath,
        });
        expect(await readBack(parquetPath)).toEqual(expectedRows(format, rows, sourceKey));
      });

      it(`writes ${format} input that DuckDB reads back identical, with metrics a STRUCT (encoded ${encoder})`, async () => {
        // Prepare
        const parquetPath = join(dir, `${format}-${options.worker}-duck.parquet`);
        const sourceKey = `car_telemetry/${file}`;
        await convertToBronze(createReadStream(join(files, file)), {
          spec: carTelemetry,
          sourceKey,
          parquetPath,
          ...options,
        });
        const connection = await duck.connect();
        // Act
        const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${parquetPath}')`);
        const read = await connection.runAndReadAll(
          `SELECT * FROM read_parquet('${parquetPath}') ORDER BY _record_index`,
        );
        // Assess
        const types = Object.fromEntries(
          described.getRowObjectsJson().map((row) => [row.column_name, row.column_type]),
        );
        expect(types.metrics).toBe(
          "STRUCT(trip STRUCT(tripMileage DOUBLE, tripFuelLiters DOUBLE), fuel STRUCT(fuelAvailable DOUBLE, fuelCapacity DOUBLE))",
        );
        expect(types.currentMileage).toBe("DOUBLE");
        expect(read.getRowObjectsJson()).toEqual(expectedRows(format, rows, sourceKey));
        connection.closeSync();
      });
    }

  it("gives the same rows whatever the chunk boundaries (1-byte chunks)", async () => {
    // Prepare
    const bytes = await readFile(join(files, "car-telemetry.array.json"));
    const parquetPath = join(dir, "bytewise.parquet");
    // Act
    await convertToBronze(chunked(bytes, 1), { spec: carTelemetry, sourceKey: "k", parquetPath });
    // Assess
    expect(await readBack(parquetPath)).toEqual(expectedRows("array", expected.rows, "k"));
  });

  it("spreads many records over several row groups without losing or reordering any", async () => {
    // Prepare
    const lines = Array.from({ length: 2500 }, (_, i) =>
      JSON.stringify({ carChassis: `C${i}`, currentMileage: i, metricTimestamp: "2024-01-01T00:00:00Z" }),
    );
    const parquetPath = join(dir, "groups.parquet");
    const progress: number[] = [];
    // Act
    const result = await convertToBronze(chunked(new TextEncoder().encode(lines.join("\n")), 4096), {
      spec: carTelemetry,
      sourceKey: "k",
      parquetPath,
      rowGroupSize: 1000,
      progressEvery: 1000,
      onProgress: ({ records }) => progress.push(records),
    });
    // Assess
    expect(result.recordsBronze).toBe(2500);
    const read = await parquetReadObjects({
      file: await asyncBufferFromFile(parquetPath),
      columns: ["carChassis", "_record_index"],
    });
    expect(read.map((row) => row._record_index)).toEqual(lines.map((_, i) => i));
    expect(read[2499]).toEqual({ carChassis: "C2499", _record_index: 2499 });
    expect(progress).toEqual([1000, 2000, 2500]);
  });

  it("writes no Parquet file when no record is valid, and counts every record as rejected", async () => {
    // Prepare
    const parquetPath = join(dir, "none.parquet");
    // Act
    const result = await convertToBronze(chunked(new TextEncoder().encode('{"a":1}\n42\n'), 64), {
      spec: carTelemetry,
      sourceKey: "k",
      parquetPath,
    });
    // Assess
    expect(result).toMatchObject({ recordsIn: 2, recordsBronze: 0, recordsRejected: 2, parquetPath: undefined });
    expect(result.rejected.map((r) => r.index)).toEqual([0, 1]);
    await expect(readFile(parquetPath)).rejects.toThrow(/ENOENT/);
  });

  it("throws UnparseableFileError and leaves no partial Parquet file for a truncated array", async () => {
    // Prepare
    const good = JSON.stringify({ carChassis: "A", currentMileage: 1, metricTimestamp: "2024-01-01T00:00:00Z" });
    const parquetPath = join(dir, "truncated.parquet");
    const body = new TextEncoder().encode(`[${Array(20).fill(good).join(",\n")},\n{"carChassis":"B","curr`);
    // Act
    const attempt = convertToBronze(chunked(body, 100), {
      spec: carTelemetry,
      sourceKey: "k",
      parquetPath,
      rowGroupSize: 5,
    });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(UnparseableFileError);
    await expect(readFile(parquetPath)).rejects.toThrow(/ENOENT/);
  });

  it("lands every record of NDJSON whose last line is cut short, and rejects that line with its position", async () => {
    // Prepare
    const good = JSON.stringify({ carChassis: "A", currentMileage: 1, metricTimestamp: "2024-01-01T00:00:00Z" });
    const parquetPath = join(dir, "cut-short.parquet");
    const body = new TextEncoder().encode(`${Array(20).fill(good).join("\n")}\n{"carChassis":"B","curr`);
    // Act
    const result = await convertToBronze(chunked(body, 100), {
      spec: carTelemetry,
      sourceKey: "k",
      parquetPath,
      rowGroupSize: 5,
    });
    // Assess
    expect(result).toMatchObject({ recordsIn: 21, recordsBronze: 20, recordsRejected: 1 });
    expect(result.rejected[0]).toMatchObject({ line: 21, index: 20 });
    expect(result.rejected[0]!.reason).toMatch(/JSON/);
  });

  for (const { encoder, options } of encoders)
    it(`lists the partition days of the records it landed, not of those it rejected (${encoder})`, async () => {
      // Prepare: readings over three UTC days, one read on the general path (an unknown field),
      // one whose offset moves it to the next UTC day (the only reading of that day), and a
      // rejected one on a day of its own.
      const reading = (chassis: string | undefined, metricTimestamp: string, extra = {}) =>
        JSON.stringify({ carChassis: chassis, currentMileage: 1, metricTimestamp, ...extra });
      const lines = [
        reading("A", "2024-05-01T08:00:00Z"),
        reading("B", "2024-05-01T23:59:59.999Z", { note: "unknown field" }),
        reading("C", "2024-05-02T09:00:00Z"),
        reading("D", "2024-05-02T22:30:00-03:00"),
        reading(undefined, "2024-06-15T12:00:00Z"),
        reading("E", "2024-05-01T09:00:00Z"),
      ];
      const parquetPath = join(dir, `days-${encoder.replaceAll(" ", "-")}.parquet`);
      const { partition } = carTelemetry.silver!;
      // Act
      const result = await convertToBronze(chunked(new TextEncoder().encode(lines.join("\n")), 64), {
        spec: carTelemetry,
        sourceKey: "k",
        parquetPath,
        days: { path: ["metricTimestamp"], partition },
        ...options,
      });
      // Assess: the rejected reading's day is not there, and the file read back gives the same days.
      expect(result).toMatchObject({ recordsBronze: 5, recordsRejected: 1 });
      expect(result.partitionDays).toEqual([20240501, 20240502, 20240503]);
      const read = await parquetPartitions(await asyncBufferFromFile(parquetPath), ["metricTimestamp"], partition);
      expect(partitionDays(read.partitions, partition)).toEqual(result.partitionDays);
    });
});
