import type { S3Client } from "@aws-sdk/client-s3";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { archiveKeyOf } from "@medallion/core/ingest";
import type { LocalStack } from "@medallion/local/stack";
import type { EmbeddedStack } from "@medallion/testing/embedded-stack";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import { carReadings, expectedSilver, silverReadingsSql } from "@medallion/testing/readings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Any key S3 takes works in the embedded S3, whatever its segments' lengths: a key uploaded
// through the S3 API (not a folder on disk, whose names stop at 255 bytes) with a segment of
// 600 bytes is ingested, archived, listed with a delimiter, and read by DuckDB into silver.
describe("a 900-byte landing key with a 600-byte segment on the embedded stack", () => {
  let lake: EmbeddedStack;
  let stack: LocalStack;
  let s3: S3Client;
  beforeAll(async () => {
    lake = await startEmbeddedStack({ name: "long-key" });
    ({ stack, s3 } = lake);
  });
  afterAll(() => lake?.close());

  // Each folder of the prefix, with the names under it a `/`-delimited listing shows.
  async function listed(bucket: string, prefix: string): Promise<{ keys: string[]; prefixes: string[] }> {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: "/" }));
    return {
      keys: (page.Contents ?? []).map((object) => object.Key!),
      prefixes: (page.CommonPrefixes ?? []).map((common) => common.Prefix!),
    };
  }

  it("ingests, archives, lists and consolidates it", async () => {
    // Prepare
    const folder = "f".repeat(250);
    const prefix = `car_telemetry/${folder}/`;
    const name = `${"n".repeat(900 - Buffer.byteLength(prefix) - ".ndjson".length)}.ndjson`;
    const key = `${prefix}${name}`;
    expect(Buffer.byteLength(key)).toBe(900);
    expect(Buffer.byteLength(name)).toBeGreaterThan(600);
    const readings = carReadings(1);

    // Act
    const outcome = await lake.land(key, readings);
    const run = await stack.execute({
      dataset: "car_telemetry",
      window: { from: "2024-05-01T00:00:00Z", to: "2024-05-04T00:00:00Z" },
    });

    // Assess: ingested to bronze, archived under _done/ with its whole key, which a delimited
    // listing shows level by level; silver holds its rows, read by DuckDB from the stored file.
    expect(outcome.error).toBeUndefined();
    const archived = archiveKeyOf(key, "done");
    expect(await listed(stack.names.Landing!, "_done/car_telemetry/")).toEqual({
      keys: [],
      prefixes: [`_done/${prefix}`],
    });
    expect(await listed(stack.names.Landing!, `_done/${prefix}`)).toEqual({ keys: [archived], prefixes: [] });
    expect(await listed(stack.names.Landing!, prefix)).toEqual({ keys: [], prefixes: [] });
    expect(run.status, JSON.stringify(run.error)).toBe("SUCCEEDED");
    const silver = await stack.engine.sql(silverReadingsSql);
    expect(silver.rows.map((row) => ({ ...row }))).toEqual(expectedSilver(readings));
  });
});
