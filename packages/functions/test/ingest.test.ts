import { PutObjectCommand } from "@aws-sdk/client-s3";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { lambdaContext } from "@medallion/local/lambda-context";
import { s3Notification } from "@medallion/local/notifications";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("ingest handler", () => {
  let lake: TestLake;
  let handler: typeof import("../src/ingest").handler;
  beforeAll(async () => {
    lake = await startTestLake({ applyEnv: true });
    ({ handler } = await import("../src/ingest"));
  });
  afterAll(() => lake.close());

  it("ingests an event delivered three times once: one bronze object, one ledger entry", async () => {
    // Prepare
    const key = "car_telemetry/2024-05-01/gateway one.ndjson";
    const body = [
      { carChassis: "CAR1", currentMileage: 4321, metricTimestamp: "2024-05-01T08:00:00Z" },
      { carChassis: "CAR1", currentMileage: 8500, metricTimestamp: "2024-05-01T12:00:00Z" },
    ]
      .map((record) => JSON.stringify(record))
      .join("\n");
    const put = await lake.s3.send(new PutObjectCommand({ Bucket: lake.names.Landing, Key: key, Body: body }));
    const created = {
      eventName: "ObjectCreated:Put",
      bucket: lake.names.Landing!,
      key,
      size: body.length,
      eTag: put.ETag!.replace(/"/g, ""),
      sequencer: "1",
    };

    // Act
    const first = await handler(s3Notification(created), lambdaContext("ingest"));
    const second = await handler(s3Notification({ ...created, sequencer: "2" }), lambdaContext("ingest"));
    const third = await handler(s3Notification(created), lambdaContext("ingest"));

    // Assess
    expect(first.results[0]).toMatchObject({ status: "bronze", recordsIn: 2, recordsBronze: 2, recordsQuarantined: 0 });
    expect(second.results[0]).toEqual({ ...first.results[0], status: "duplicate" });
    expect(third.results[0]).toEqual({ ...first.results[0], status: "duplicate" });
    expect(await lake.keys("Bronze")).toEqual([first.results[0]!.bronzeKey]);
    const ledger = await lake.doc.send(
      new QueryCommand({
        TableName: lake.names.Ledger,
        KeyConditionExpression: "dataset = :d",
        ExpressionAttributeValues: { ":d": "car_telemetry" },
      }),
    );
    expect(ledger.Items).toHaveLength(1);
    expect(ledger.Items![0]).toMatchObject({
      source_key: key,
      records_in: 2,
      records_bronze: 2,
      records_quarantined: 0,
    });
  });

  it("moves an ingested file to _done/ and skips the notifications of archive copies", async () => {
    // Prepare
    const key = "car_telemetry/2024-05-02/archived.ndjson";
    const body = JSON.stringify({ carChassis: "CAR2", currentMileage: 10, metricTimestamp: "2024-05-02T08:00:00Z" });
    const put = await lake.s3.send(new PutObjectCommand({ Bucket: lake.names.Landing, Key: key, Body: body }));
    const created = {
      eventName: "ObjectCreated:Put",
      bucket: lake.names.Landing!,
      key,
      size: body.length,
      eTag: put.ETag!.replace(/"/g, ""),
      sequencer: "10",
    };
    // Act
    const ingested = await handler(s3Notification(created), lambdaContext("ingest"));
    const archiveEvent = await handler(
      s3Notification({ ...created, key: `_done/${key}`, sequencer: "11" }),
      lambdaContext("ingest"),
    );
    // Assess
    expect(ingested.results[0]).toMatchObject({ status: "bronze", archiveKey: `_done/${key}` });
    expect(archiveEvent.results).toEqual([]);
    expect(await lake.keys("Landing", "car_telemetry/2024-05-02/")).toEqual([]);
    expect(await lake.keys("Landing", "_done/car_telemetry/2024-05-02/")).toEqual([`_done/${key}`]);
  });

  it("archives the same file landing again even when the repeat is answered from the idempotency store", async () => {
    // Prepare: the first landing is ingested and archived; the same bytes land again.
    const key = "car_telemetry/2024-05-03/twice.ndjson";
    const body = JSON.stringify({ carChassis: "CAR3", currentMileage: 10, metricTimestamp: "2024-05-03T08:00:00Z" });
    const put = await lake.s3.send(new PutObjectCommand({ Bucket: lake.names.Landing, Key: key, Body: body }));
    const created = {
      eventName: "ObjectCreated:Put",
      bucket: lake.names.Landing!,
      key,
      size: body.length,
      eTag: put.ETag!.replace(/"/g, ""),
      sequencer: "20",
    };
    await handler(s3Notification(created), lambdaContext("ingest"));
    await lake.s3.send(new PutObjectCommand({ Bucket: lake.names.Landing, Key: key, Body: body }));
    // Act
    const again = await handler(s3Notification({ ...created, sequencer: "21" }), lambdaContext("ingest"));
    // Assess
    expect(again.results[0]).toMatchObject({ status: "duplicate" });
    expect(await lake.keys("Landing", "car_telemetry/2024-05-03/")).toEqual([]);
    expect(await lake.keys("Landing", "_done/car_telemetry/2024-05-03/")).toEqual([`_done/${key}`]);
    expect(
      (await lake.keys("Bronze", "car_telemetry/")).filter((bronzeKey) => bronzeKey.includes("/twice-")),
    ).toHaveLength(1);
  });

  it("rejects an event that is not an S3 notification, naming the bad field", async () => {
    // Act
    const invocation = handler({ Records: [{ eventSource: "aws:sqs" }] } as never, lambdaContext("ingest"));
    // Assess
    await expect(invocation).rejects.toThrow(/eventSource|Records/);
  });
});
