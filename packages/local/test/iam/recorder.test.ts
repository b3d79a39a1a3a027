import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallRecorder } from "../../src/iam/recorder";

describe("CallRecorder", () => {
  let lake: TestLake;
  let recorder: CallRecorder;
  beforeAll(async () => {
    lake = await startTestLake();
    recorder = new CallRecorder({ region: "us-east-1", account: "000000000000" });
    recorder.instrumentAll({ s3: lake.s3, doc: lake.doc, name: "not a client" });
  });
  afterAll(() => lake.close());

  it("records each call for the invocation in flight, across awaits, and nothing outside one", async () => {
    // Prepare
    const bucket = lake.names.Landing!;
    const put = (key: string) => lake.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "{}" }));
    // Act
    await put("outside.json");
    await Promise.all([
      recorder.as("Ingest", async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await put("a.json");
        await put("a.json");
      }),
      recorder.as("Pull", () => put("b.json")),
    ]);
    // Assess
    expect(recorder.calls()).toEqual([
      {
        principal: "Pull",
        action: "s3:PutObject",
        resource: `arn:aws:s3:::${bucket}/b.json`,
        via: "S3 PutObject",
        count: 1,
      },
      {
        principal: "Ingest",
        action: "s3:PutObject",
        resource: `arn:aws:s3:::${bucket}/a.json`,
        via: "S3 PutObject",
        count: 2,
      },
    ]);
  });

  it("records s3:ListBucket when a read finds nothing: without it S3 answers 403, not 404", async () => {
    // Act
    const read = recorder.as("Sweeper", () =>
      lake.s3.send(new GetObjectCommand({ Bucket: lake.names.Landing!, Key: "missing.json" })),
    );
    // Assess
    await expect(read).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect(recorder.calls().filter((call) => call.principal === "Sweeper")).toEqual([
      expect.objectContaining({ action: "s3:GetObject" }),
      expect.objectContaining({
        action: "s3:ListBucket",
        resource: `arn:aws:s3:::${lake.names.Landing}`,
        via: "S3 GetObject (not found)",
      }),
    ]);
  });
});
