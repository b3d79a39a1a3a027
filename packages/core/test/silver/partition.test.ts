import { describe, expect, it } from "vitest";
import {
  PartitionTally,
  parsePartitionPath,
  partitionColumnNames,
  partitionDays,
  partitionOf,
  partitionOfDay,
  partitionOrdinal,
  partitionPath,
  partitionsOfColumn,
} from "../../src/silver/partition";

const columns = { from: "metricTimestamp", year: "event_year", month: "event_month", day: "event_day" };

describe("partitionOf", () => {
  it("takes the UTC date of an ISO timestamp, whatever its offset", () => {
    expect(partitionOf("2024-01-05T23:30:00-02:00", columns)).toEqual({
      event_year: 2024,
      event_month: 1,
      event_day: 6,
    });
    expect(partitionOf("2024-12-31T23:59:59.999Z", columns)).toEqual({
      event_year: 2024,
      event_month: 12,
      event_day: 31,
    });
  });

  it("reads a timestamp without an offset as UTC, as the engines do", () => {
    expect(partitionOf("2024-03-01T00:30:00", columns)).toEqual({ event_year: 2024, event_month: 3, event_day: 1 });
  });

  it("accepts Dates and epoch milliseconds, and returns undefined for what does not parse", () => {
    expect(partitionOf(new Date(Date.UTC(2023, 6, 4, 12)), columns)).toEqual({
      event_year: 2023,
      event_month: 7,
      event_day: 4,
    });
    expect(partitionOf(Date.UTC(2023, 6, 4), columns)).toEqual({ event_year: 2023, event_month: 7, event_day: 4 });
    expect(partitionOf("not a date", columns)).toBeUndefined();
    expect(partitionOf(null, columns)).toBeUndefined();
  });
});

describe("partitionOf with one yyyymmdd column", () => {
  const anomesdia = { from: "dat_oper", yyyymmdd: "anomesdia" };

  it("gives the UTC date as one integer, whatever the offset", () => {
    expect(partitionOf("2024-12-31T22:30:00-03:00", anomesdia)).toEqual({ anomesdia: 20250101 });
    expect(partitionOf("2024-02-29T00:00:00Z", anomesdia)).toEqual({ anomesdia: 20240229 });
    expect(partitionOf(new Date(Date.UTC(2023, 6, 4, 12)), anomesdia)).toEqual({ anomesdia: 20230704 });
    expect(partitionOf("not a date", anomesdia)).toBeUndefined();
  });

  it("names one partition column, where the year/month/day form names three", () => {
    expect(partitionColumnNames(anomesdia)).toEqual(["anomesdia"]);
    expect(partitionColumnNames(columns)).toEqual(["event_year", "event_month", "event_day"]);
  });

  it("writes an anomesdia Hive path and reads it back", () => {
    // Act
    const path = partitionPath(partitionOf("2024-05-01T10:00:00Z", anomesdia)!);
    // Assess
    expect(path).toBe("anomesdia=20240501");
    expect(parsePartitionPath(path)).toEqual({ anomesdia: 20240501 });
  });
});

describe("partitionPath", () => {
  it("writes unpadded Hive segments and reads them back", () => {
    // Act
    const path = partitionPath({ event_year: 2024, event_month: 1, event_day: 5 });
    // Assess
    expect(path).toBe("event_year=2024/event_month=1/event_day=5");
    expect(parsePartitionPath(path)).toEqual({ event_year: 2024, event_month: 1, event_day: 5 });
  });
});

describe("partitionsOfColumn", () => {
  const partition = { from: "t", year: "y", month: "m", day: "d" } as const;

  it("finds the partitions and the values without one exactly as partitionOf does value by value", () => {
    // Prepare: UTC text (taken by its date), and what must be parsed: offsets, a time of day out
    // of range, a date that does not exist, text that is no timestamp, Dates and epoch numbers.
    const column: unknown[] = [
      "2024-05-01T08:00:00.000Z",
      "2024-05-01T23:59:59Z",
      "2024-05-01T23:30:00-03:00",
      "2024-05-02T24:00:00Z",
      "2024-05-02T00:00:00.123456Z",
      "2024-02-30T10:00:00Z",
      "2024-02-30T11:00:00Z",
      "2024-05-03T99:00:00Z",
      " 2024-05-04T01:00:00Z",
      "not a time",
      null,
      new Date(Date.UTC(2024, 5, 1, 12)),
      Date.UTC(2024, 6, 1),
    ];
    const expected = new Map<string, Record<string, number>>();
    let without = 0;
    for (const value of column) {
      const of = partitionOf(value, partition);
      if (of) expected.set(JSON.stringify(of), of);
      else without += 1;
    }
    // Act
    const found = partitionsOfColumn(column, partition);
    // Assess
    expect(found.rows).toBe(column.length);
    expect(found.withoutTimestamp).toBe(without);
    expect(new Set(found.partitions.map((p) => JSON.stringify(p)))).toEqual(new Set(expected.keys()));
  });

  it("tallies a column fed in chunks exactly as the whole column, keeping no values", () => {
    // Prepare: days repeating across chunk boundaries, and values without a partition in several chunks.
    const column: unknown[] = [];
    for (let i = 0; i < 1_000; i++)
      column.push(i % 97 === 0 ? "not a time" : `2024-05-${String((i % 9) + 1).padStart(2, "0")}T08:00:00Z`);
    const tally = new PartitionTally(partition);
    // Act
    for (let at = 0; at < column.length; at += 128) tally.add(column.slice(at, at + 128));
    // Assess
    const whole = partitionsOfColumn(column, partition);
    const chunked = tally.result();
    expect(chunked.rows).toBe(whole.rows);
    expect(chunked.withoutTimestamp).toBe(whole.withoutTimestamp);
    expect(new Set(chunked.partitions.map((p) => JSON.stringify(p)))).toEqual(
      new Set(whole.partitions.map((p) => JSON.stringify(p))),
    );
    expect(chunked.partitions).toHaveLength(9);
  });
});

describe("partition days", () => {
  it("gives the sorted distinct days of partitions, and each day's partition back, in either layout", () => {
    // Prepare
    const compact = { from: "anomesdia_ts", yyyymmdd: "anomesdia" };
    const partitions = [
      { event_year: 2024, event_month: 12, event_day: 31 },
      { event_year: 2024, event_month: 2, event_day: 9 },
      { event_year: 2024, event_month: 12, event_day: 31 },
    ];
    // Act
    const days = partitionDays(partitions, columns);
    // Assess
    expect(days).toEqual([20240209, 20241231]);
    expect(days.map((day) => partitionOfDay(day, columns))).toEqual([partitions[1], partitions[0]]);
    expect(partitionOfDay(20240209, compact)).toEqual({ anomesdia: 20240209 });
    for (const values of partitions) expect(partitionOfDay(partitionOrdinal(values, columns), columns)).toEqual(values);
  });
});
