import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import type { DatasetSpec } from "../../src/dataset/spec";
import { ingestObject } from "../../src/ingest/ingest";
import type { IngestContext } from "../../src/ingest/types";
import type { LedgerEntry } from "../../src/ledger/ledger";
import { getLedgerEntry, listLedger, listPending } from "../../src/ledger/ledger";
import type { RedriveContext } from "../../src/redrive/records";
import { redriveDataset } from "../../src/redrive/redrive";

// The shipped spec with `Model` narrowed to an integer: a "X5" model is rejected until it is a string again.
const narrowed: DatasetSpec = {
  ...carTelemetry,
  fields: carTelemetry.fields.map((field) => (field.name === "Model" ? { ...field, type: "integer" } : field)),
} as DatasetSpec;

const reading = (n: number, model: string | number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    carChassis: `CAR${n}`,
    currentMileage: 1000 + n,
    metricTimestamp: "2024-03-01T10:00:00Z",
    Model: model,
    ...extra,
  });

describe("redriveDataset", () => {
  let lake: TestLake;
  let ctx: IngestContext & RedriveContext;
  beforeAll(async () => {
    lake = await startTestLake();
    const { names } = lake.services;
    ctx = {
      s3: lake.s3,
      doc: lake.doc,
      ledgerTable: names.Ledger!,
      bronzeBucket: names.Bronze!,
      quarantineBucket: names.Quarantine!,
      landingBucket: names.Landing!,
      datasets: [narrowed],
      tmpDir: lake.dataDir,
    };
  });
  afterAll(async () => lake.close());

  async function text(bucket: string, key: string): Promise<string> {
    const object = await lake.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return object.Body!.transformToString("utf8");
  }
  async function keys(bucket: string, prefix: string): Promise<string[]> {
    const listed = await lake.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((object) => object.Key!);
  }
  const conserved = (entry: LedgerEntry) => entry.records_in === entry.records_bronze + entry.records_quarantined;

  it("moves records that pass under the widened spec to a bronze part with lineage, keeps the rest, and is idempotent", async () => {
    // Prepare: 5 records, 2 rejected for their model ("X5" under integer), 1 rejected for a blank chassis
    const body = [
      reading(1, 1),
      reading(2, "X5"),
      reading(3, 3),
      JSON.stringify({ carChassis: " ", currentMileage: 4, metricTimestamp: "2024-03-01T10:00:00Z" }),
      reading(5, "X7 sport"),
    ].join("\n");
    const key = "car_telemetry/redrive/models.ndjson";
    const put = await lake.s3.send(
      new PutObjectCommand({ Bucket: lake.services.names.Landing!, Key: key, Body: body }),
    );
    const ingested = await ingestObject({ bucket: lake.services.names.Landing!, key, etag: put.ETag! }, ctx);
    expect(ingested).toMatchObject({ recordsIn: 5, recordsBronze: 2, recordsQuarantined: 3 });
    const before = (await getLedgerEntry(lake.doc, ctx.ledgerTable, "car_telemetry", ingested.fileId))!;

    // Act: the spec is fixed (Model a string again)
    const first = await redriveDataset({ spec: carTelemetry }, ctx);
    const second = await redriveDataset({ spec: carTelemetry }, ctx);

    // Assess: per kind, what was tried, recovered and still fails
    expect(first.records).toEqual({ tried: 3, recovered: 2, stillFailing: 1 });
    expect(second.records).toEqual({ tried: 1, recovered: 0, stillFailing: 1 });
    const original = (await getLedgerEntry(lake.doc, ctx.ledgerTable, "car_telemetry", ingested.fileId))!;
    expect(original).toMatchObject({ records_in: 5, records_bronze: 4, records_quarantined: 1, redrive_count: 1 });
    expect(conserved(before) && conserved(original)).toBe(true);
    // One part, pending for silver, its rows the two recovered records, with their original lines and indexes
    const parts = (await listLedger(lake.doc, ctx.ledgerTable, "car_telemetry")).filter((e) => e.redrive_of);
    expect(parts).toHaveLength(1);
    const [part] = parts;
    expect(part).toMatchObject({ redrive_of: ingested.fileId, records_redriven: 2, records_in: 0, status: "bronze" });
    expect((await listPending(lake.doc, ctx.ledgerTable, "car_telemetry")).map((e) => e.file_id)).toContain(
      part!.file_id,
    );
    const parquet = await lake.s3.send(new GetObjectCommand({ Bucket: ctx.bronzeBucket, Key: part!.bronze_key! }));
    const rows = await parquetReadObjects({
      file: (await parquet.Body!.transformToByteArray()).buffer as ArrayBuffer,
    });
    expect(rows.map((row) => [row.carChassis, row.Model, row._source_key])).toEqual([
      ["CAR2", "X5", key],
      ["CAR5", "X7 sport", key],
    ]);
    const lineage = (await text(ctx.quarantineBucket, part!.quarantine_keys[0]!))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lineage.map(({ line, index }) => [line, index])).toEqual([
      [2, 1],
      [5, 4],
    ]);
    // The quarantine holds the one still failing record, once, with its current reason
    const rejectedKeys = (await keys(ctx.quarantineBucket, "car_telemetry/")).filter((k) =>
      k.endsWith(".rejected.ndjson"),
    );
    expect(rejectedKeys).toEqual(original.quarantine_keys);
    const still = (await text(ctx.quarantineBucket, rejectedKeys[0]!))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(still).toHaveLength(1);
    expect(still[0]).toMatchObject({ line: 4, index: 3, reason: expect.stringMatching(/carChassis/) });
    // Running it twice changed nothing
    expect(await getLedgerEntry(lake.doc, ctx.ledgerTable, "car_telemetry", ingested.fileId)).toEqual(original);
  });

  it("reads a file quarantined whole again once the spec says where its records are, once", async () => {
    // Prepare: the gateway nests its readings one level deeper than the spec says
    const nested = (spec: DatasetSpec, records: string) => ({
      ...spec,
      name: "car_nested",
      landingPrefix: "nested/",
      records,
    });
    const before = nested(carTelemetry, "items");
    const after = nested(carTelemetry, "items.readings");
    const body = JSON.stringify({ items: { readings: [JSON.parse(reading(7, "A")), { carChassis: "CAR8" }] } });
    const key = "nested/gateway.json";
    const put = await lake.s3.send(
      new PutObjectCommand({ Bucket: lake.services.names.Landing!, Key: key, Body: body }),
    );
    const ingested = await ingestObject(
      { bucket: lake.services.names.Landing!, key, etag: put.ETag! },
      { ...ctx, datasets: [before] },
    );
    expect(ingested).toMatchObject({ status: "quarantined", reason: expect.stringMatching(/items is not an array/) });

    // Act
    const first = await redriveDataset({ spec: after }, ctx);
    const second = await redriveDataset({ spec: after }, ctx);

    // Assess: the file is in bronze (one record) and quarantine (one record), pending for silver
    expect(first.failedFiles).toEqual({ tried: 1, recovered: 1, stillFailing: 0 });
    expect(first.records).toEqual({ tried: 0, recovered: 0, stillFailing: 0 });
    const entry = (await getLedgerEntry(lake.doc, ctx.ledgerTable, "car_nested", ingested.fileId))!;
    expect(entry).toMatchObject({ status: "bronze", records_in: 2, records_bronze: 1, records_quarantined: 1 });
    expect(entry.reason).toBeUndefined();
    expect(conserved(entry)).toBe(true);
    expect((await listPending(lake.doc, ctx.ledgerTable, "car_nested")).map((e) => e.file_id)).toEqual([
      ingested.fileId,
    ]);
    expect(await keys(ctx.quarantineBucket, "car_nested/")).toEqual(entry.quarantine_keys);
    // The second redrive finds nothing quarantined whole, and the one rejected record fails again alike
    expect(second.failedFiles).toEqual({ tried: 0, recovered: 0, stillFailing: 0 });
    expect(second.records).toEqual({ tried: 1, recovered: 0, stillFailing: 1 });
    expect(await getLedgerEntry(lake.doc, ctx.ledgerTable, "car_nested", ingested.fileId)).toEqual(entry);
  });
});
