import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DuckDBInstance } from "@duckdb/node-api";
import { readWatermark } from "@medallion/core/pull";
import type { HttpApiSource } from "@medallion/core/sources";
import { lambdaContext } from "@medallion/local/lambda-context";
import type { LocalStack } from "@medallion/local/stack";
import type { EmbeddedStack } from "@medallion/testing/embedded-stack";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import type { FixtureApi } from "@medallion/testing/fixture-api";
import { fixtureSource, readings, startFixtureApi } from "@medallion/testing/fixture-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// An HTTP API pulled hourly through the real pull handler on the embedded stack: pages land
// in landing, the stack's ObjectCreated events run the real ingest handler, bronze is read
// back from s3rver's files with DuckDB.
describe("HTTP API source on the embedded stack", () => {
  let lake: EmbeddedStack;
  let dataDir: string;
  let stack: LocalStack;
  let api: FixtureApi;
  let s3: S3Client;
  let doc: DynamoDBDocumentClient;
  let handler: ReturnType<typeof import("@medallion/functions/pull").pullHandler>;
  let source: HttpApiSource;
  // Five readings an hour for three hours; two records a page: three pages per window.
  const served = readings({ from: "2024-05-01T00:00:00Z", hours: 3, count: 15 });

  beforeAll(async () => {
    // As SST sets a linked secret; before the stack starts, since SST reads its links once.
    process.env.SST_RESOURCE_FleetFixtureToken = JSON.stringify({ type: "sst.sst.Secret", value: "e2e-t0ken" });
    lake = await startEmbeddedStack({ name: "pull" });
    ({ dataDir, stack, s3, doc } = lake);
    api = await startFixtureApi({ records: served, pageSize: 2, token: "e2e-t0ken" });
    source = {
      ...fixtureSource(api.origin, "cursor", { name: "fleet-fixture" }),
      auth: { header: "Authorization", scheme: "Bearer", secret: "FleetFixtureToken" },
    };
    const { pullHandler } = await import("@medallion/functions/pull");
    handler = pullHandler({ sources: { [source.name]: source } });
  });
  afterAll(async () => {
    await api?.close();
    await lake?.close();
  });

  const run = (time: string) => handler({ source: source.name, window: "hourly", time }, lambdaContext("pull"));
  const watermark = async () =>
    (await readWatermark({ doc, table: stack.names.Watermark!, source: source.name }))?.watermark;
  // Waits until every page in landing (as it is now) has been through ingestion. Ingested
  // pages are moved under _done/, so both places are listed (ETags from the listing: a page
  // may be archived between the listing and a HEAD).
  async function ingestedAll(): Promise<void> {
    for (const prefix of [`car_telemetry/_api/${source.name}/`, `_done/car_telemetry/_api/${source.name}/`]) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.names.Landing, Prefix: prefix }));
      for (const { Key, ETag } of listed.Contents ?? []) {
        const key = Key!.replace(/^_done\//, "");
        const outcome = await stack.ingested(key, ETag!);
        expect(outcome.error, `${key}: ${outcome.error}`).toBeUndefined();
      }
    }
    await stack.drain();
  }
  async function bronzeCounts(): Promise<Map<string, number>> {
    const dir = join(dataDir, "s3", "medallion-local-bronze");
    const objects = (await readdir(dir, { recursive: true })).filter((name) =>
      name.endsWith(".parquet._S3rver_object"),
    );
    const duck = await (await DuckDBInstance.create(":memory:")).connect();
    try {
      const files = objects.map((name) => `'${join(dir, name)}'`).join(", ");
      const rows = await duck.runAndReadAll(
        `SELECT carChassis, count(*)::INTEGER AS n FROM read_parquet([${files}]) GROUP BY carChassis`,
      );
      return new Map(rows.getRowObjectsJson().map((row) => [String(row.carChassis), Number(row.n)]));
    } finally {
      duck.closeSync();
    }
  }

  it("pulls three windows in sequence, one failing midway then retried: every record once in bronze, the watermark right after each run", async () => {
    // Act 1: the first hour.
    const first = await run("2024-05-01T01:05:00Z");
    await ingestedAll();
    const afterFirst = await watermark();

    // Act 2: the second hour's last page keeps failing (500 on every attempt).
    api.failWhen({
      match: (url) =>
        url.searchParams.get("since") === "2024-05-01T01:00:00Z" &&
        url.searchParams.get("cursor")?.startsWith("4.") === true,
      times: 3,
      status: 500,
    });
    const failed = await run("2024-05-01T02:05:00Z").catch((error: unknown) => error);
    await ingestedAll();
    const afterFailure = await watermark();
    const bronzeAfterFailure = await bronzeCounts();

    // Act 3: the retry (a later tick) asks for the same window; then the third hour.
    const retried = await run("2024-05-01T02:20:00Z");
    await ingestedAll();
    const afterRetry = await watermark();
    const third = await run("2024-05-01T03:05:00Z");
    await ingestedAll();
    const afterThird = await watermark();

    // Assess
    expect(first).toMatchObject({ records: 5, pages: 3, watermarkAfter: "2024-05-01T01:00:00.000Z" });
    expect(afterFirst).toBe("2024-05-01T01:00:00.000Z");
    expect((failed as Error).name).toBe("SourcePullError");
    expect(afterFailure).toBe("2024-05-01T01:00:00.000Z");
    // The failed attempt's first two pages reached bronze before the failure.
    expect([...bronzeAfterFailure.values()].reduce((sum, n) => sum + n, 0)).toBe(9);
    expect(retried).toMatchObject({
      records: 5,
      watermarkBefore: "2024-05-01T01:00:00.000Z",
      watermarkAfter: "2024-05-01T02:00:00.000Z",
    });
    expect(afterRetry).toBe("2024-05-01T02:00:00.000Z");
    expect(third).toMatchObject({ records: 5, watermarkAfter: "2024-05-01T03:00:00.000Z" });
    expect(afterThird).toBe("2024-05-01T03:00:00.000Z");
    const counts = await bronzeCounts();
    expect([...counts.keys()].sort()).toEqual(served.map((record) => record.carChassis).sort());
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
  });
});
