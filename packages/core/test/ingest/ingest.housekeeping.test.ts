import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { ingestObject } from "../../src/ingest/ingest";
import type { IngestContext } from "../../src/ingest/types";
import { getLedgerEntry } from "../../src/ledger/ledger";

const reading = (n: number) =>
  JSON.stringify({ carChassis: `CAR${n}`, currentMileage: 100 + n, metricTimestamp: "2024-03-01T10:00:00Z" });

describe("ingestObject landing housekeeping", () => {
  let stack: TestLake;
  let ctx: IngestContext;
  let landing: string;
  beforeAll(async () => {
    stack = await startTestLake();
    const { names } = stack.services;
    landing = names.Landing!;
    ctx = {
      s3: stack.s3,
      doc: stack.doc,
      ledgerTable: names.Ledger!,
      bronzeBucket: names.Bronze!,
      quarantineBucket: names.Quarantine!,
      datasets: [carTelemetry],
      tmpDir: stack.dataDir,
    };
  });
  afterAll(() => stack.close());

  const land = async (key: string, body: string) => {
    const put = await stack.s3.send(new PutObjectCommand({ Bucket: landing, Key: key, Body: body }));
    return { bucket: landing, key, etag: put.ETag! };
  };
  const text = async (bucket: string, key: string) =>
    (await stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
  const list = async (bucket: string, prefix = "") =>
    ((await stack.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? [])
      .map((o) => o.Key!)
      .sort();

  it("moves a file whose records reached bronze to _done/<key>, after bronze and the ledger entry exist", async () => {
    // Prepare
    const body = `${reading(1)}\n{"carChassis":1}\n`;
    const source = await land("car_telemetry/hk/partly bad.ndjson", body);
    // Act
    const result = await ingestObject(source, ctx);
    // Assess
    expect(result).toMatchObject({
      status: "bronze",
      recordsBronze: 1,
      recordsQuarantined: 1,
      archiveKey: "_done/car_telemetry/hk/partly bad.ndjson",
    });
    expect(await list(landing, "car_telemetry/hk/")).toEqual([]);
    expect(await text(landing, result.archiveKey!)).toBe(body);
    expect(await list(ctx.bronzeBucket, "car_telemetry/")).toContain(result.bronzeKey);
    expect(await getLedgerEntry(stack.doc, ctx.ledgerTable, "car_telemetry", result.fileId)).toMatchObject({
      status: "bronze",
    });
  });

  it("moves a file quarantined whole to _failed/<key> with its reason", async () => {
    // Prepare
    const source = await land("car_telemetry/hk/truncated.json", `[${reading(1)},`);
    // Act
    const result = await ingestObject(source, ctx);
    // Assess
    expect(result).toMatchObject({ status: "quarantined", archiveKey: "_failed/car_telemetry/hk/truncated.json" });
    expect(await list(landing, "_failed/car_telemetry/hk/truncated")).toEqual([
      "_failed/car_telemetry/hk/truncated.json",
      "_failed/car_telemetry/hk/truncated.json.reason.json",
    ]);
    const reason = JSON.parse(await text(landing, "_failed/car_telemetry/hk/truncated.json.reason.json"));
    expect(reason).toMatchObject({ source_key: source.key, file_id: result.fileId });
    expect(reason.reason).toMatch(/array is never closed/);
    const head = await stack.s3.send(new HeadObjectCommand({ Bucket: landing, Key: result.archiveKey }));
    expect(head.Metadata?.["medallion-reason"]).toMatch(/array is never closed/);
    expect(await list(landing, "car_telemetry/hk/truncated")).toEqual([]);
  });

  it("moves a file with no valid record to _failed/<key>", async () => {
    // Prepare
    const source = await land("car_telemetry/hk/all bad.ndjson", '{"carChassis":1}\n');
    // Act
    const result = await ingestObject(source, ctx);
    // Assess
    expect(result).toMatchObject({
      status: "quarantined",
      recordsQuarantined: 1,
      archiveKey: "_failed/car_telemetry/hk/all bad.ndjson",
    });
    expect(JSON.parse(await text(landing, "_failed/car_telemetry/hk/all bad.ndjson.reason.json")).reason).toBe(
      "no valid record in the file",
    );
  });

  it("answers a redelivered event for an archived file with the ledger's duplicate result", async () => {
    // Prepare
    const source = await land("car_telemetry/hk/redelivered.ndjson", `${reading(2)}\n`);
    const first = await ingestObject(source, ctx);
    // Act
    const again = await ingestObject(source, ctx);
    // Assess
    expect(again).toMatchObject({ status: "duplicate", recordsIn: 1, recordsBronze: 1, bronzeKey: first.bronzeKey });
    expect(again.archiveKey).toBeUndefined();
    expect(await list(landing, "_done/car_telemetry/hk/redelivered")).toEqual([
      "_done/car_telemetry/hk/redelivered.ndjson",
    ]);
  });

  it("recognises the same content landing again as a duplicate and archives it again", async () => {
    // Prepare
    const body = `${reading(3)}\n`;
    const first = await ingestObject(await land("car_telemetry/hk/again.ndjson", body), ctx);
    const second = await land("car_telemetry/hk/again.ndjson", body);
    // Act
    const result = await ingestObject(second, ctx);
    // Assess
    expect(result).toMatchObject({
      status: "duplicate",
      bronzeKey: first.bronzeKey,
      archiveKey: "_done/car_telemetry/hk/again.ndjson",
    });
    expect(await list(landing, "car_telemetry/hk/again")).toEqual([]);
    expect((await list(ctx.bronzeBucket, "car_telemetry/")).filter((key) => key.includes("/again-"))).toHaveLength(1);
  });

  it("never ingests an archive copy: nothing written, no ledger entry", async () => {
    // Prepare
    const source = await land("_done/car_telemetry/hk/copy.ndjson", `${reading(4)}\n`);
    const bronzeBefore = await list(ctx.bronzeBucket);
    // Act
    const result = await ingestObject(source, ctx);
    // Assess
    expect(result).toMatchObject({ status: "duplicate", dataset: null, recordsIn: 0 });
    expect(result.reason).toMatch(/archived landing object/);
    expect(await list(ctx.bronzeBucket)).toEqual(bronzeBefore);
    expect(await getLedgerEntry(stack.doc, ctx.ledgerTable, "_unknown", result.fileId)).toBeUndefined();
    expect(await list(landing, "_done/car_telemetry/hk/copy")).toEqual(["_done/car_telemetry/hk/copy.ndjson"]);
  });

  it("leaves an object that was replaced since its event in landing, for its own event", async () => {
    // Prepare
    const stale = await land("car_telemetry/hk/replaced.ndjson", `${reading(5)}\n`);
    await land("car_telemetry/hk/replaced.ndjson", `${reading(5)}\n${reading(6)}\n`);
    // Act
    const result = await ingestObject(stale, ctx);
    // Assess
    expect(result.status).toBe("duplicate");
    expect(await list(landing, "car_telemetry/hk/replaced")).toEqual(["car_telemetry/hk/replaced.ndjson"]);
    expect(await list(landing, "_done/car_telemetry/hk/replaced")).toEqual([]);
  });
});
