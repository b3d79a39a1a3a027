import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SweepResult } from "@medallion/core/ingest";
import { getLedgerEntry } from "@medallion/core/ledger";
import type { DevEvent } from "@medallion/local/commands/dev";
import { runDev } from "@medallion/local/commands/dev";
import type { LocalStack } from "@medallion/local/stack";
import type { EmbeddedStack } from "@medallion/testing/embedded-stack";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const reading = (chassis: string) =>
  JSON.stringify({ carChassis: chassis, currentMileage: 10, metricTimestamp: "2024-05-01T10:00:00Z" });

/** Resolves once `condition` holds (polled), or fails after a few seconds. */
async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not within 10 s`);
}

// Defect 5: S3 invokes the ingest function asynchronously. On the embedded stack as on AWS, a
// failing invocation is retried twice, then its event goes to the on-failure destination; the
// scheduled sweeper re-drives what never reached the ledger. Bronze is made unreachable for
// real (its bucket deleted), so every attempt fails the way an outage would.
describe("lost ingests: retries, the on-failure destination, the sweeper", () => {
  let lake: EmbeddedStack;
  let dataDir: string;
  let stack: LocalStack;
  let s3: S3Client;
  let doc: DynamoDBDocumentClient;
  let landing: string;
  const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: landing, Key: key, Body: body }));
  const exists = (key: string) =>
    s3.send(new HeadObjectCommand({ Bucket: landing, Key: key })).then(
      () => true,
      () => false,
    );
  const ledgered = async (key: string, etag: string) =>
    (await getLedgerEntry(doc, stack.names.Ledger!, "car_telemetry", `${key}#${etag.replace(/"/g, "")}`)) !== undefined;
  // An outage of one (empty) bucket while `work` runs.
  const without = async <T>(bucket: "Bronze" | "Quarantine", work: () => Promise<T>): Promise<T> => {
    await s3.send(new DeleteBucketCommand({ Bucket: stack.names[bucket] }));
    try {
      return await work();
    } finally {
      await s3.send(new CreateBucketCommand({ Bucket: stack.names[bucket] }));
    }
  };

  beforeAll(async () => {
    lake = await startEmbeddedStack({ name: "lost" });
    ({ dataDir, stack, s3, doc } = lake);
    landing = stack.names.Landing!;
  });
  afterAll(() => lake?.close());

  it("retries a failing ingest twice, then sends its event to the on-failure queue; the file stays in landing", async () => {
    // Act
    const { outcome, etag } = await without("Bronze", async () => {
      const { ETag } = await put("car_telemetry/outage.json", reading("OUT1"));
      return { outcome: await stack.ingested("car_telemetry/outage.json", ETag!), etag: ETag! };
    });
    // Assess
    expect(outcome.error).toMatch(/bucket does not exist \(3 attempts; sent to the on-failure queue IngestFailures\)/);
    const [record] = stack.failedIngests();
    expect(record).toMatchObject({
      requestContext: { condition: "RetriesExhausted", approximateInvokeCount: 3 },
      requestPayload: { Records: [{ s3: { object: { key: "car_telemetry/outage.json" } } }] },
      responsePayload: { errorType: "IngestIoError" },
    });
    expect(await exists("car_telemetry/outage.json")).toBe(true);
    expect(await ledgered("car_telemetry/outage.json", etag)).toBe(false);
  });

  it("invokes ingestion only for keys under a dataset's prefix: archive copies and other keys invoke nothing", async () => {
    // Prepare
    const ingested = await put("car_telemetry/fine.json", reading("FINE1"));
    expect((await stack.ingested("car_telemetry/fine.json", ingested.ETag!)).result?.status).toBe("bronze");
    // Act
    const stray = await put("elsewhere/stray.json", reading("STRAY1"));
    const outcome = await stack.ingested("elsewhere/stray.json", stray.ETag!);
    await stack.drain();
    // Assess: the archive copy _done/car_telemetry/fine.json raised no ingestion, nor did the stray key.
    expect(outcome.error).toMatch(/under no dataset's landing prefix/);
    expect(await exists("_done/car_telemetry/fine.json")).toBe(true);
    expect(await exists("elsewhere/stray.json")).toBe(true);
    expect(
      stack.calls().filter((call) => call.principal === "Ingest" && call.resource.includes("_done/_done/")),
    ).toEqual([]);
  });

  it("leaves a lost file alone during the grace period, then re-drives it through S3 → ingest", async () => {
    // Prepare: the file lost above, now that bronze is back.
    const key = "car_telemetry/outage.json";
    const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: landing, Prefix: key }));
    const etag = Contents![0]!.ETag!;
    // Act
    const early = (await stack.invoke("SweepLanding", { graceSeconds: 3600 })) as SweepResult;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const late = (await stack.invoke("SweepLanding", { graceSeconds: 1 })) as SweepResult;
    await until(() => ledgered(key, etag), "the re-driven file in the ledger");
    await until(async () => !(await exists(key)), "the re-driven file archived");
    // Assess
    expect(early).toMatchObject({ inFlight: 1, redriven: [] });
    expect(late).toMatchObject({ redriven: [key], abandoned: [] });
    expect(await exists(`_done/${key}`)).toBe(true);
  });

  it("runs the sweeper in medallion dev on its schedule", async () => {
    // Prepare: an unreadable file, lost while quarantine was unreachable.
    const key = "car_telemetry/dev-outage.json";
    const etag = await without("Quarantine", async () => {
      const { ETag } = await put(key, "{ not json");
      expect((await stack.ingested(key, ETag!)).error).toMatch(/on-failure queue/);
      return ETag!;
    });
    const events: DevEvent[] = [];
    const controller = new AbortController();
    // Act: dev with the sweeper every second and no grace period.
    const dev = runDev(
      {
        stack,
        dataDir,
        dropDir: join(dataDir, "drop"),
        dataset: "car_telemetry",
        schedule: { kind: "every", everyMs: 3_600_000 },
        report: (event) => events.push(event),
        signal: controller.signal,
        sweep: { cron: "* * * * * *", event: { graceSeconds: 0 } },
      },
      {},
    );
    await until(
      async () => events.some((event) => event.event === "sweep" && event.redriven.includes(key)),
      "dev's sweep",
    );
    await until(() => ledgered(key, etag), "the re-driven file in the ledger");
    controller.abort();
    await dev;
    // Assess
    expect(events[0]).toMatchObject({ event: "ready", sweep: { cron: "* * * * * *", graceSeconds: 0 } });
  });
});
