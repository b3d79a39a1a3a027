import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asyncBufferFromFile } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertToBronze } from "../../src/bronze/convert";
import type { PartitionDaySource } from "../../src/bronze/days";
import type { DatasetSpec } from "../../src/dataset/spec";
import { parquetPartitions, partitionDays } from "../../src/silver/partition";
import type { PartitionSpec } from "../../src/silver/spec";

// Readings whose time is in a struct (absent on some rows) and whose sequence is an integer.
const spec: DatasetSpec = {
  name: "readings",
  landingPrefix: "readings/",
  fields: [
    { name: "id", type: "string", required: true },
    { name: "seq", type: "integer" },
    { name: "event", type: "struct", fields: [{ name: "at", type: "timestamp" }] },
  ],
};
const ymd: PartitionSpec = { from: "event_at", year: "y", month: "m", day: "d" };
const dateKey: PartitionSpec = { from: "seq", yyyymmdd: "anomesdia" };

// Every case runs encoded in place and on the worker, in groups small enough to hold both
// packed text forms (few distinct values: a dictionary; many: joined).
const encoders = [
  { encoder: "in place", options: { worker: false, rowGroupSize: 64 } },
  { encoder: "on a worker", options: { worker: true, rowGroupSize: 64 } },
] as const;

async function* once(text: string): AsyncIterable<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += 4096) yield bytes.subarray(i, i + 4096);
}

// The UTC day of an instant, `yyyymmdd`, computed apart from the code under test.
const utcDay = (ms: number): number => Number(new Date(ms).toISOString().slice(0, 10).replaceAll("-", ""));

describe("the partition days of a conversion", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "medallion-days-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Converts the records with a day source; returns the days it tallied and those read back from the file.
  async function convert(name: string, records: unknown[], days: PartitionDaySource, options: object) {
    const parquetPath = join(dir, `${name}.parquet`);
    const text = records.map((record) => JSON.stringify(record)).join("\n");
    const result = await convertToBronze(once(text), { spec, sourceKey: "k", parquetPath, days, ...options });
    const read = await parquetPartitions(await asyncBufferFromFile(parquetPath), days.path, days.partition);
    return {
      tallied: result.partitionDays,
      readBack: partitionDays(read.partitions, days.partition),
      without: { tallied: result.rowsWithoutTimestamp, readBack: read.withoutTimestamp },
      result,
    };
  }

  for (const { encoder, options } of encoders) {
    it(`tallies a struct's timestamps in time order, with offsets across midnight and absent structs (${encoder})`, async () => {
      // Prepare: 3,000 readings 7 minutes apart, some written with an offset, some without a time.
      const start = Date.parse("2024-03-30T00:00:00Z");
      const expected = new Set<number>();
      const records = Array.from({ length: 3000 }, (_, i) => {
        const ms = start + i * 7 * 60_000;
        if (i % 11 === 0) return { id: `r${i}`, event: null };
        if (i % 13 === 0) return { id: `r${i}`, event: {} };
        expected.add(utcDay(ms));
        // -03:00 puts the local date a day behind the UTC one for three hours a day.
        const at = i % 3 === 0 ? new Date(ms - 3 * 3_600_000).toISOString().replace("Z", "-03:00") : new Date(ms);
        return { id: `r${i}`, event: { at } };
      });
      // Act
      const { tallied, readBack, without } = await convert(
        `struct-${encoder}`,
        records,
        { path: ["event", "at"], partition: ymd },
        options,
      );
      // Assess
      expect(tallied).toEqual([...expected].sort((a, b) => a - b));
      expect(tallied).toEqual(readBack);
      expect(without.tallied).toBe(records.filter((r) => !r.event?.at).length);
      expect(without.tallied).toBe(without.readBack);
    });

    it(`tallies repeated timestamps of a few days and an integer column as epoch milliseconds (${encoder})`, async () => {
      // Prepare: five distinct times over 200 rows (a dictionary per group), one of them the only
      // one of its UTC day by its offset; and sequence numbers as instants.
      const times = [
        "2024-01-01T10:00:00Z",
        "2024-01-01T11:00:00.5Z",
        "2024-01-03T00:00:00Z",
        "2024-01-03T22:00:00-05:00",
        "2024-01-02T23:59:59Z",
      ];
      const records = Array.from({ length: 200 }, (_, i) => ({
        id: `r${i}`,
        seq: i % 50 === 0 ? null : Date.parse("2023-12-30T12:00:00Z") + (i % 4) * 86_400_000,
        event: { at: times[i % times.length] },
      }));
      // Act
      const byTime = await convert(`coded-${encoder}`, records, { path: ["event", "at"], partition: ymd }, options);
      const bySeq = await convert(`integer-${encoder}`, records, { path: ["seq"], partition: dateKey }, options);
      // Assess
      expect(byTime.tallied).toEqual([20240101, 20240102, 20240103, 20240104]);
      expect(byTime.tallied).toEqual(byTime.readBack);
      expect(bySeq.tallied).toEqual([20231230, 20231231, 20240101, 20240102]);
      expect(bySeq.tallied).toEqual(bySeq.readBack);
      expect(byTime.without).toEqual({ tallied: 0, readBack: 0 });
      expect(bySeq.without).toEqual({ tallied: 4, readBack: 4 });
    });
  }

  it("lists no days when none is asked for", async () => {
    // Prepare
    const parquetPath = join(dir, "unasked.parquet");
    // Act
    const result = await convertToBronze(once(JSON.stringify({ id: "a", event: { at: "2024-01-01T00:00:00Z" } })), {
      spec,
      sourceKey: "k",
      parquetPath,
    });
    // Assess
    expect(result.recordsBronze).toBe(1);
    expect(result.partitionDays).toBeUndefined();
  });
});
