import { describe, expect, it } from "vitest";
import { parsePartitionPath, partitionOf, partitionPath } from "../../src/silver/partition";

const columns = { from: "metricTimestamp", year: "event_year", month: "event_month", day: "event_day" };

describe("partitionOf", () => {
  it("takes the UTC date of an ISO timestamp, whatever its offset", () => {
    expect(partitionOf("2024-01-05T23:30:00-02:00", columns)).toEqual({ event_year: 2024, event_month: 1, event_day: 6 });
    expect(partitionOf("2024-12-31T23:59:59.999Z", columns)).toEqual({ event_year: 2024, event_month: 12, event_day: 31 });
  });

  it("reads a timestamp without an offset as UTC, as the engines do", () => {
    expect(partitionOf("2024-03-01T00:30:00", columns)).toEqual({ event_year: 2024, event_month: 3, event_day: 1 });
  });

  it("accepts Dates and epoch milliseconds, and returns undefined for what does not parse", () => {
    expect(partitionOf(new Date(Date.UTC(2023, 6, 4, 12)), columns)).toEqual({ event_year: 2023, event_month: 7, event_day: 4 });
    expect(partitionOf(Date.UTC(2023, 6, 4), columns)).toEqual({ event_year: 2023, event_month: 7, event_day: 4 });
    expect(partitionOf("not a date", columns)).toBeUndefined();
    expect(partitionOf(null, columns)).toBeUndefined();
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
