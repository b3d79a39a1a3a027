import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { operations } from "../../src/dataset/operations";
import { ingestObject } from "../../src/ingest/ingest";
import { REDRIVES_METADATA, sweepLanding } from "../../src/ingest/sweep";

const reading = JSON.stringify({ carChassis: "CAR1", currentMileage: 1, metricTimestamp: "2024-03-01T10:00:00Z" });

describe("sweepLanding", () => {
  let lake: TestLake;
  let landing: string;
  let sweep: (options?: { graceSeconds?: number; maxRedrives?: number; now?: Date }) => ReturnType<typeof sweepLanding>;
  beforeAll(async () => {
    lake = await startTestLake();
    landing = lake.names.Landing!;
    sweep = ({ graceSeconds = 60, maxRedrives, now = new Date(Date.now() + 120_000) } = {}) =>
      sweepLanding({
        s3: lake.s3,
        doc: lake.doc,
        landingBucket: landing,
        ledgerTable: lake.names.Ledger!,
        datasets: [carTelemetry, operations],
        graceSeconds,
        now,
        ...(maxRedrives === undefined ? {} : { maxRedrives }),
      });
  });
  afterAll(() => lake.close());

  const land = (key: string) => lake.s3.send(new PutObjectCommand({ Bucket: landing, Key: key, Body: reading }));
  const redrives = async (key: string) =>
    (await lake.s3.send(new HeadObjectCommand({ Bucket: landing, Key: key }))).Metadata?.[REDRIVES_METADATA];

  it("re-drives only what is lost: past the grace period, under a dataset's prefix, with no ledger entry", async () => {
    // Prepare: a lost file, an ingested one whose archive move failed, a file of no dataset, an archive copy.
    const lost = await land("car_telemetry/lost one.json");
    const ingested = await land("car_telemetry/ingested.json");
    await ingestObject(
      { bucket: landing, key: "car_telemetry/ingested.json", etag: ingested.ETag! },
      {
        s3: lake.s3,
        doc: lake.doc,
        ledgerTable: lake.names.Ledger!,
        bronzeBucket: lake.names.Bronze!,
        quarantineBucket: lake.names.Quarantine!,
        datasets: [carTelemetry],
        tmpDir: lake.dataDir,
      },
    );
    await land("car_telemetry/ingested.json"); // the same bytes again: the ledger knows them
    await land("elsewhere/file.json");
    await land("_failed/car_telemetry/old.json");
    // Act
    const result = await sweep();
    // Assess
    expect(result).toEqual({
      scanned: 2,
      inFlight: 0,
      ingested: 1,
      redriven: ["car_telemetry/lost one.json"],
      abandoned: [],
      errors: [],
    });
    // Copied onto itself: same bytes and ETag (so the same ledger id), a re-drive counted.
    const head = await lake.s3.send(new HeadObjectCommand({ Bucket: landing, Key: "car_telemetry/lost one.json" }));
    expect(head.ETag).toBe(lost.ETag);
    expect(head.Metadata?.[REDRIVES_METADATA]).toBe("1");
  });

  it("leaves files younger than the grace period to the deliveries still under way", async () => {
    // Act
    const result = await sweep({ graceSeconds: 3600, now: new Date() });
    // Assess
    expect(result).toMatchObject({ scanned: 2, inFlight: 2, redriven: [], abandoned: [] });
  });

  it("stops re-driving a file after maxRedrives, and reports it instead", async () => {
    // Act
    const second = await sweep({ maxRedrives: 2 });
    const third = await sweep({ maxRedrives: 2 });
    // Assess
    expect(second.redriven).toEqual(["car_telemetry/lost one.json"]);
    expect(await redrives("car_telemetry/lost one.json")).toBe("2");
    expect(third).toMatchObject({ redriven: [], abandoned: ["car_telemetry/lost one.json"] });
  });
});
