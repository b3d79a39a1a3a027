import type { S3Client } from "@aws-sdk/client-s3";
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveKeyOf, archiveLandingObject, isArchiveKey, versionedArchiveKey } from "../../src/ingest/archive";
import { ArchiveVerificationError } from "../../src/ingest/errors";
import { normaliseEtag } from "../../src/ingest/keys";

describe("archive keys", () => {
  it("puts the original key under _done/ or _failed/ and recognises only those prefixes", () => {
    // Act
    const keys = [archiveKeyOf("car_telemetry/a b.json", "done"), archiveKeyOf("x/y.json", "failed")];
    // Assess
    expect(keys).toEqual(["_done/car_telemetry/a b.json", "_failed/x/y.json"]);
    expect(keys.map(isArchiveKey)).toEqual([true, true]);
    expect(["car_telemetry/_done/a.json", "_donex/a.json", "done/a.json"].map(isArchiveKey)).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe("archiveLandingObject", () => {
  let stack: TestLake;
  let bucket: string;
  beforeAll(async () => {
    stack = await startTestLake();
    bucket = stack.services.names.Landing!;
  });
  afterAll(() => stack.close());

  const land = async (key: string, body: string) => {
    const put = await stack.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    return { bucket, key, etag: put.ETag! };
  };
  const text = async (key: string) =>
    (await stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
  const exists = (key: string) =>
    stack.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => true,
      () => false,
    );

  it("moves a file to _done/<key> with identical bytes and removes the original", async () => {
    // Prepare
    const source = await land("sensors/2024/day 1 + ção.json", '{"a":1}\n{"a":2}\n');
    // Act
    const result = await archiveLandingObject({ s3: stack.s3, source, outcome: "done", fileId: "f1" });
    // Assess
    expect(result).toEqual({ archived: true, archiveKey: "_done/sensors/2024/day 1 + ção.json", reasonKey: undefined });
    expect(await text(result.archiveKey)).toBe('{"a":1}\n{"a":2}\n');
    expect(await exists(source.key)).toBe(false);
  });

  it("keeps the archive copy of an older version under a versioned name when the key is uploaded again", async () => {
    // Prepare
    const first = await land("sensors/corrected.json", '{"a":1}\n');
    await archiveLandingObject({ s3: stack.s3, source: first, outcome: "done", fileId: "r1" });
    const second = await land("sensors/corrected.json", '{"a":0}\n');
    // Act
    const result = await archiveLandingObject({ s3: stack.s3, source: second, outcome: "done", fileId: "r2" });
    const again = await archiveLandingObject({ s3: stack.s3, source: second, outcome: "done", fileId: "r2" });
    // Assess
    const olderKey = versionedArchiveKey("_done/sensors/corrected.json", normaliseEtag(first.etag));
    expect(result.archiveKey).toBe("_done/sensors/corrected.json");
    expect(await text(result.archiveKey)).toBe('{"a":0}\n');
    expect(await text(olderKey)).toBe('{"a":1}\n');
    expect(again).toMatchObject({ archived: false, skipped: "gone" });
  });

  it("moves a failed file to _failed/<key> with its reason as metadata and as a sibling .reason.json", async () => {
    // Prepare
    const source = await land("sensors/broken.json", '{"a":');
    // Act
    const result = await archiveLandingObject({
      s3: stack.s3,
      source,
      outcome: "failed",
      reason: "truncated — never closed",
      fileId: "sensors/broken.json#x",
    });
    // Assess
    expect(result).toMatchObject({
      archived: true,
      archiveKey: "_failed/sensors/broken.json",
      reasonKey: "_failed/sensors/broken.json.reason.json",
    });
    const head = await stack.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: result.archiveKey }));
    expect(head.Metadata?.["medallion-reason"]).toBe("truncated ? never closed");
    expect(JSON.parse(await text(result.reasonKey!))).toMatchObject({
      source_key: source.key,
      reason: "truncated — never closed",
      file_id: "sensors/broken.json#x",
    });
    expect(await exists(source.key)).toBe(false);
  });

  it("does nothing for an object already archived (a redelivered event) or replaced by newer bytes", async () => {
    // Prepare
    const gone = await land("sensors/twice.json", "{}");
    await archiveLandingObject({ s3: stack.s3, source: gone, outcome: "done", fileId: "f" });
    const old = await land("sensors/replaced.json", '{"v":1}');
    await land("sensors/replaced.json", '{"v":2}');
    // Act
    const again = await archiveLandingObject({ s3: stack.s3, source: gone, outcome: "done", fileId: "f" });
    const stale = await archiveLandingObject({ s3: stack.s3, source: old, outcome: "done", fileId: "f" });
    // Assess
    expect(again).toMatchObject({ archived: false, skipped: "gone" });
    expect(stale).toMatchObject({ archived: false, skipped: "changed" });
    expect(await text("sensors/replaced.json")).toBe('{"v":2}');
    expect(await exists("_done/sensors/replaced.json")).toBe(false);
  });

  it("keeps the original when the copy does not match it", async () => {
    // Prepare: a client whose archive copy loses the last byte, as a faulty copy would.
    const source = await land("sensors/precious.json", '{"keep":true}');
    const lossy = {
      send: async (command: unknown) => {
        if (command instanceof CopyObjectCommand && command.input.Key === "_done/sensors/precious.json") {
          const { Bucket, Key } = command.input;
          const put = await stack.s3.send(
            new PutObjectCommand({ Bucket, Key, Body: '{"keep":true', ContentLength: 12 }),
          );
          return { CopyObjectResult: { ETag: put.ETag } };
        }
        return stack.s3.send(command as never);
      },
    } as unknown as S3Client;
    // Act
    const archiving = archiveLandingObject({ s3: lossy, source, outcome: "done", fileId: "f" });
    // Assess
    await expect(archiving).rejects.toBeInstanceOf(ArchiveVerificationError);
    await expect(archiving).rejects.toThrow(/does not match sensors\/precious\.json .*original is kept/);
    expect(await text(source.key)).toBe('{"keep":true}');
  });
});
