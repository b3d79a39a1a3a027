import { describe, expect, it } from "vitest";
import { UnsafeKeyError } from "../../src/ingest/errors";
import { assertSafeLandingKey, ingestDate, ingestKeys, normaliseEtag, objectBaseName } from "../../src/ingest/keys";

describe("ingest keys", () => {
  it("derives deterministic bronze and quarantine keys from dataset, date, name and ETag", () => {
    // Act
    const keys = ingestKeys({
      dataset: "car_telemetry",
      key: "car_telemetry/2024/readings.ndjson",
      etag: "abc123",
      date: "2024-03-01",
    });
    // Assess
    expect(keys.bronze).toBe("car_telemetry/ingest_date=2024-03-01/readings-abc123.parquet");
    expect(keys.rejected).toBe("car_telemetry/ingest_date=2024-03-01/readings-abc123.rejected.ndjson");
    expect(keys.wholeFile("unparseable")).toEqual({
      file: "car_telemetry/ingest_date=2024-03-01/readings-abc123.unparseable",
      reason: "car_telemetry/ingest_date=2024-03-01/readings-abc123.unparseable.reason.json",
    });
  });

  it("sanitises base names so they cannot leave the prefix or carry odd characters", () => {
    // Act
    const names = ["a/b/Day 1 (copy).JSON", "a/..hidden.json", "a/ção.jsonl", "a/", "a/x.tar.gz"].map(objectBaseName);
    // Assess
    expect(names).toEqual(["Day_1_copy_", "hidden", "o", "file", "x.tar.gz"]);
  });

  it("strips quotes from ETags and keeps the multipart suffix", () => {
    // Act / Assess
    expect(normaliseEtag('"d41d8cd98f00b204e9800998ecf8427e"')).toBe("d41d8cd98f00b204e9800998ecf8427e");
    expect(normaliseEtag('"abc-12"')).toBe("abc-12");
  });

  it("formats the ingest date in UTC", () => {
    // Act / Assess
    expect(ingestDate(new Date("2024-03-01T23:30:00-03:00"))).toBe("2024-03-02");
  });

  it.each([
    "car_telemetry/../secrets/x.json",
    "car_telemetry/./x.json",
    "car_telemetry/a\\b.json",
    "car_telemetry/a\nb.json",
  ])("refuses the landing key %j as unsafe", (key) => {
    // Act / Assess
    expect(() => assertSafeLandingKey(key)).toThrow(UnsafeKeyError);
  });

  it("accepts ordinary keys, spaces and dots inside names included", () => {
    // Act / Assess
    expect(() => assertSafeLandingKey("car_telemetry/2024/Day 1..json")).not.toThrow();
  });
});
