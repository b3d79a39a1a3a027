import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/datasets/car-telemetry";
import { BronzeFile } from "../../src/ingest/bronze";

const record = (i: number) => ({ carChassis: `C${i}`, currentMileage: i, metricTimestamp: "2024-01-01T00:00:00Z", metrics: { fuel: { fuelAvailable: i } } });

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
    return { path, written: file.close() };
  }

  it("writes one row group per rowGroupSize rows, the last one partial", async () => {
    // Act
    const { path, written } = await write("groups.parquet", 10);
    // Assess
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    expect(written).toBe(10);
    expect(metadata.row_groups.map((group) => Number(group.num_rows))).toEqual([4, 4, 2]);
  });

  it("keeps statistics for numeric columns only, by default", async () => {
    // Act
    const { path } = await write("stats.parquet", 5);
    // Assess
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    const stats = Object.fromEntries(metadata.row_groups[0]!.columns.map((c) => [c.meta_data!.path_in_schema.join("."), c.meta_data!.statistics !== undefined]));
    expect(stats).toMatchObject({ currentMileage: true, "metrics.fuel.fuelAvailable": true, _record_index: true, carChassis: false, metricTimestamp: false, _source_key: false });
  });

  it("writes no file at all when no row was appended", async () => {
    // Act
    const { path, written } = await write("empty.parquet", 0);
    // Assess
    expect(written).toBe(0);
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });
});
