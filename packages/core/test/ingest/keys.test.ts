import { describe, expect, it } from "vitest";
import { UnsafeKeyError } from "../../src/ingest/errors";
import {
  assertSafeLandingKey,
  ingestDate,
  ingestKeys,
  ledgerFileId,
  normaliseEtag,
  objectBaseName,
} from "../../src/ingest/keys";
import { dynamodb, s3, utf8Bytes } from "../../src/limits/index";

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

  it("keeps a ledger id within DynamoDB's 1,024-byte sort key for the longest landing keys, distinct per key", () => {
    // Prepare: S3 keys of 1,024 bytes, multi-byte characters included, differing only at their end.
    const long = (last: string) => `car_telemetry/${"ação/".repeat(140)}`.padEnd(s3.maxKeyBytes - 10, "x") + last;
    const etag = "d41d8cd98f00b204e9800998ecf8427e-12";
    // Act
    const ids = [
      ledgerFileId(long("a"), etag),
      ledgerFileId(long("b"), etag),
      ledgerFileId("car_telemetry/a.json", etag),
    ];
    // Assess
    for (const id of ids) expect(utf8Bytes(id)).toBeLessThanOrEqual(dynamodb.maxSortKeyBytes);
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[0]).toMatch(/^car_telemetry\/ação\/.*~[0-9a-f]{64}#d41d8cd98f00b204e9800998ecf8427e-12$/);
    expect(ids[2]).toBe(`car_telemetry/a.json#${etag}`);
  });
});
