import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { moveObjectFile, objectPath, stagingDirectory } from "../../src/engine/files";
import type { LocalObjectCreated } from "../../src/services/index";
import { COMPUTED_MD5_BYTES, keyOfStoredPath, storedKeyPath } from "../../src/services/s3-store";

describe("the embedded S3's object store", () => {
  let lake: TestLake;
  let bucket: string;
  beforeAll(async () => {
    lake = await startTestLake();
    bucket = lake.names.Landing!;
  });
  afterAll(() => lake.close());

  it("takes any key S3 takes: 1,024 bytes, a segment of any length, multi-byte characters", async () => {
    // Prepare: S3's longest key, with a 700-byte segment; and one of 900 bytes in one segment, in UTF-8
    const longest = `car_telemetry/${"a".repeat(300)}/${"é".repeat(350)}.ndjson`.slice(0, 1024);
    const keys = [
      longest.slice(0, 1024 - (Buffer.byteLength(longest) - 1024)),
      `car_telemetry/${"ü".repeat(440)}.json`,
    ];
    for (const key of keys) expect(Buffer.byteLength(key)).toBeLessThanOrEqual(1024);
    // Act
    for (const [index, key] of keys.entries())
      await lake.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body ${index}` }));
    await lake.s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: `_done/${keys[1]}`,
        CopySource: `${bucket}/${keys[1]!.split("/").map(encodeURIComponent).join("/")}`,
      }),
    );
    const bodies = await Promise.all(
      keys.map(async (key) =>
        (await lake.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString(),
      ),
    );
    const listed = await lake.keys("Landing");
    await lake.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: keys[0] }));
    // Assess
    expect(bodies).toEqual(["body 0", "body 1"]);
    expect(listed).toEqual([`_done/${keys[1]}`, ...keys].sort());
    expect(await lake.keys("Landing")).toEqual([`_done/${keys[1]}`, keys[1]].sort());
    expect(keys.map((key) => keyOfStoredPath(storedKeyPath(key)))).toEqual(keys);
    // DuckDB reads the stored file by the same path.
    const path = objectPath(lake.services.s3.directory, `s3://${bucket}/${keys[1]}`);
    expect(path.split("/").every((segment) => Buffer.byteLength(segment) <= 255)).toBe(true);
  });

  it("lists keys with segments of any length in delimited listings, as common prefixes or as keys", async () => {
    // Prepare: keys under one prefix with segments of 450 and 900 bytes, as file names and as folders,
    // and a folder holding only another folder.
    const prefix = "delimited/";
    const long = "x".repeat(450);
    const keys = [
      `${prefix}${long}.ndjson`,
      `${prefix}${"y".repeat(880)}`,
      `${prefix}${long}/inside.ndjson`,
      `${prefix}short.ndjson`,
      `${prefix}nested/deeper/${long}.json`,
    ];
    for (const key of keys) await lake.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    // Act
    const page = await lake.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: "/" }));
    const deeper = await lake.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}nested/deeper/`, Delimiter: "/" }),
    );
    const paged: string[] = [];
    let token: string | undefined;
    do {
      const next = await lake.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 2, ContinuationToken: token }),
      );
      paged.push(...(next.Contents ?? []).map((object) => object.Key!));
      token = next.NextContinuationToken;
    } while (token);
    // Assess
    expect((page.Contents ?? []).map((object) => object.Key)).toEqual([keys[3], keys[0], keys[1]]);
    expect((page.CommonPrefixes ?? []).map((common) => common.Prefix)).toEqual([
      `${prefix}nested/`,
      `${prefix}${long}/`,
    ]);
    expect((deeper.Contents ?? []).map((object) => object.Key)).toEqual([keys[4]]);
    expect(paged).toEqual([...keys].sort());
  });

  it("never shows a partial or empty object: an upload cut short leaves nothing, one in progress is not there yet", async () => {
    // Prepare: a PUT that announces 1 MB, sends 100 KB, then stalls
    const key = "car_telemetry/cut-short.ndjson";
    const { hostname, port } = new URL(lake.services.s3.endpoint);
    const request = httpRequest({
      hostname,
      port,
      method: "PUT",
      path: `/${bucket}/${key}`,
      headers: { "content-length": 1_000_000 },
    });
    request.on("error", () => undefined);
    request.write(Buffer.alloc(100_000, 0x61));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Act: look while it is in flight, then cut the connection (as a kill -9 of the uploader does)
    const during = await lake.s3
      .send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
      .catch((error: unknown) => error);
    request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await lake.s3
      .send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
      .catch((error: unknown) => error);
    // Assess
    expect((during as Error).name).toBe("NotFound");
    expect((after as Error).name).toBe("NotFound");
    const files = await readdir(lake.services.s3.directory, { recursive: true });
    expect(files.filter((file) => file.includes("cut-short"))).toEqual([]);
    // The same request, sent whole, is stored: the one above was cut, not refused.
    const whole = await new Promise<number | undefined>((resolve, reject) => {
      const complete = httpRequest({ hostname, port, method: "PUT", path: `/${bucket}/${key}` }, (response) =>
        resolve(response.statusCode),
      );
      complete.on("error", reject);
      complete.end(Buffer.alloc(1_000, 0x61));
    });
    expect(whole).toBe(200);
    expect((await lake.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength).toBe(1_000);
  });

  it("stores an object uploaded in parts whole, as `aws s3 cp` sends a large file", async () => {
    // Prepare: two parts, the first of S3's minimum part size
    const parts = [Buffer.alloc(5 * 1024 * 1024, 0x61), Buffer.alloc(123, 0x62)];
    const key = "car_telemetry/multipart.ndjson";
    // Act
    const { UploadId } = await lake.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const uploaded = [];
    for (const [index, body] of parts.entries()) {
      const part = await lake.s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: index + 1, Body: body }),
      );
      uploaded.push({ ETag: part.ETag!, PartNumber: index + 1 });
    }
    const completed = await lake.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: uploaded } }),
    );
    // Assess
    const object = await lake.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(object.ETag).toBe(completed.ETag);
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
  });

  it("copies as S3 does: keys with + # & ? decoded whole, the source's ETag, a changed source refused", async () => {
    // Prepare: a key S3 URL-decodes whole (s3rver's decodeURI left %2B, %23, %26, %3F encoded),
    // and an older object under the copy's key (its md5 must not outlive it)
    const key = "car_telemetry/a+b #1 & c?.json";
    const target = `_done/${key}`;
    const encoded = `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
    const put = await lake.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "new bytes" }));
    await lake.s3.send(new PutObjectCommand({ Bucket: bucket, Key: target, Body: "older bytes" }));
    // Act
    const copy = await lake.s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: target,
        CopySource: encoded,
        CopySourceIfMatch: put.ETag,
        MetadataDirective: "REPLACE",
        Metadata: { outcome: "done" },
      }),
    );
    const refused = await lake.s3
      .send(
        new CopyObjectCommand({ Bucket: bucket, Key: `${target}.2`, CopySource: encoded, CopySourceIfMatch: '"0"' }),
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    // Assess
    expect(copy.CopyObjectResult?.ETag).toBe(put.ETag);
    const head = await lake.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: target }));
    expect([head.ETag, head.Metadata]).toEqual([put.ETag, { outcome: "done" }]);
    expect(
      await (await lake.s3.send(new GetObjectCommand({ Bucket: bucket, Key: target }))).Body!.transformToString(),
    ).toBe("new bytes");
    expect(refused).toMatchObject({ $metadata: { httpStatusCode: 412 } });
  });

  it("gives objects moved in with no side files their MD5 as ETag, in listings, reads and copies", async () => {
    // Prepare: a small file (its MD5 computed when asked) and one over COMPUTED_MD5_BYTES (its MD5 kept),
    // staged beside the store as an UNLOAD's files are
    const staging = await stagingDirectory(lake.services.s3.directory);
    const bodies = { small: Buffer.from("PAR1 small"), large: Buffer.alloc(COMPUTED_MD5_BYTES + 1, 0x61) };
    const md5 = (body: Buffer) => `"${createHash("md5").update(body).digest("hex")}"`;
    // Act
    for (const [name, body] of Object.entries(bodies)) {
      await writeFile(join(staging, name), body);
      await moveObjectFile(lake.services.s3.directory, `s3://${bucket}/moved/${name}.parquet`, join(staging, name));
    }
    const listed = await lake.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "moved/" }));
    const heads = await Promise.all(
      Object.keys(bodies).map((name) =>
        lake.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `moved/${name}.parquet` })),
      ),
    );
    const copy = await lake.s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "moved/copy.parquet", CopySource: `${bucket}/moved/small.parquet` }),
    );
    const copied = await lake.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "moved/copy.parquet" }));
    // Assess
    expect(listed.Contents?.map(({ Key, ETag, Size }) => [Key, ETag, Size])).toEqual([
      ["moved/large.parquet", md5(bodies.large), bodies.large.length],
      ["moved/small.parquet", md5(bodies.small), bodies.small.length],
    ]);
    expect(heads.map((head) => [head.ETag, head.ContentLength, head.ContentType])).toEqual([
      [md5(bodies.small), bodies.small.length, "binary/octet-stream"],
      [md5(bodies.large), bodies.large.length, "binary/octet-stream"],
    ]);
    expect([copy.CopyObjectResult?.ETag, copied.ETag]).toEqual([md5(bodies.small), md5(bodies.small)]);
    expect(await copied.Body!.transformToString()).toBe("PAR1 small");
    // Only the large object keeps its MD5 beside it: a small one's costs less to compute than to keep.
    const stored = await readdir(dirname(objectPath(lake.services.s3.directory, `s3://${bucket}/moved/small.parquet`)));
    expect(stored.filter((name) => !name.startsWith("copy")).sort()).toEqual([
      "large.parquet._S3rver_object",
      "large.parquet._S3rver_object.md5",
      "small.parquet._S3rver_object",
    ]);
    await rm(staging, { recursive: true });
  });

  it("stores a file put from disk as a PUT of its bytes: its MD5 as ETag, the same metadata, notified in order", async () => {
    // Prepare: a file of several MB (what `medallion run` and `dev` drop), and the same bytes put as a buffer
    const folder = await mkdtemp(join(tmpdir(), "medallion-put-file-"));
    const file = join(folder, "readings.ndjson");
    const bytes = Buffer.concat([randomBytes(3 * 1024 * 1024), Buffer.alloc(3 * 1024 * 1024 + 17, 0x61)]);
    await writeFile(file, bytes);
    const md5 = createHash("md5").update(bytes).digest("hex");
    const notified: LocalObjectCreated[] = [];
    lake.services.s3.onObjectCreated((created) => {
      if (created.key.startsWith("put-file/")) notified.push(created);
    });
    // Act
    const fromFile = await lake.services.s3.putObject({ bucket, key: "put-file/from-file.ndjson", file });
    const fromBytes = await lake.services.s3.putObject({ bucket, key: "put-file/from-bytes.ndjson", body: bytes });
    const heads = await Promise.all(
      ["from-file", "from-bytes"].map((name) =>
        lake.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `put-file/${name}.ndjson` })),
      ),
    );
    const read = await lake.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "put-file/from-file.ndjson" }));
    // Assess: the ETag is the file's MD5, whichever way it came, and the notification carries it
    expect([fromFile, fromBytes]).toEqual([md5, md5]);
    expect(
      heads.map(({ ETag, ContentLength, ContentType, Metadata }) => [ETag, ContentLength, ContentType, Metadata]),
    ).toEqual([
      [`"${md5}"`, bytes.length, "application/octet-stream", {}],
      [`"${md5}"`, bytes.length, "application/octet-stream", {}],
    ]);
    expect(Buffer.from(await read.Body!.transformToByteArray()).equals(bytes)).toBe(true);
    expect(notified.map(({ eventName, key, size, eTag }) => ({ eventName, key, size, eTag }))).toEqual([
      { eventName: "ObjectCreated:Put", key: "put-file/from-file.ndjson", size: bytes.length, eTag: md5 },
      { eventName: "ObjectCreated:Put", key: "put-file/from-bytes.ndjson", size: bytes.length, eTag: md5 },
    ]);
    // The dropped file is copied, not moved; the store keeps its MD5 beside it, as for a PUT.
    expect((await readFile(file)).equals(bytes)).toBe(true);
    const stored = await readdir(dirname(objectPath(lake.services.s3.directory, `s3://${bucket}/put-file/x`)));
    expect(stored.filter((name) => name.startsWith("from-file")).sort()).toEqual([
      "from-file.ndjson._S3rver_metadata.json",
      "from-file.ndjson._S3rver_object",
      "from-file.ndjson._S3rver_object.md5",
    ]);
    await rm(folder, { recursive: true });
  });

  it("refuses a file put under a key S3 refuses, or from a missing file, leaving nothing stored", async () => {
    // Prepare
    const folder = await mkdtemp(join(tmpdir(), "medallion-put-file-"));
    const file = join(folder, "readings.ndjson");
    await writeFile(file, "{}\n");
    const notified: string[] = [];
    lake.services.s3.onObjectCreated((created) => {
      if (created.key.startsWith("refused-file/")) notified.push(created.key);
    });
    // Act
    const tooLong = await lake.services.s3
      .putObject({ bucket, key: `refused-file/${"k".repeat(1_020)}`, file })
      .catch((error: unknown) => error);
    const missing = await lake.services.s3
      .putObject({ bucket, key: "refused-file/missing.ndjson", file: join(folder, "missing.ndjson") })
      .catch((error: unknown) => error);
    // Assess
    expect(tooLong).toMatchObject({ name: "KeyTooLongError", message: expect.stringContaining("1033 bytes") });
    expect(missing).toMatchObject({ code: "ENOENT" });
    expect(await lake.keys("Landing")).not.toContainEqual(expect.stringMatching(/^refused-file\//));
    const files = await readdir(lake.services.s3.directory, { recursive: true });
    expect(files.filter((name) => name.includes("refused-file/"))).toEqual([]);
    expect(notified).toEqual([]);
    await rm(folder, { recursive: true });
  });
});
