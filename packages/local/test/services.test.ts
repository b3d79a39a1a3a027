import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { buckets, tables } from "@medallion/core/resources";
import { afterEach, describe, expect, it } from "vitest";
import type { LocalServices } from "../src/services/index";
import { DataDirInUseError, startServices } from "../src/services/index";

describe("startServices", () => {
  let dataDir: string;
  let services: LocalServices | undefined;
  afterEach(async () => {
    await services?.close();
    services = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("creates every declared bucket and table, and keeps state across restarts", async () => {
    // Prepare
    dataDir = await mkdtemp(join(tmpdir(), "medallion-services-"));
    services = await startServices({ dataDir });
    const { env } = services;
    const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! };
    const s3 = new S3Client({
      endpoint: env.AWS_ENDPOINT_URL_S3,
      region: env.AWS_REGION,
      credentials,
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    // Act
    for (const name of Object.keys(buckets)) {
      await s3.send(new PutObjectCommand({ Bucket: services.names[name], Key: "probe.txt", Body: name }));
    }
    await services.close();
    services = await startServices({ dataDir });
    // Assess
    const s3Again = new S3Client({
      endpoint: services.env.AWS_ENDPOINT_URL_S3,
      region: "us-east-1",
      credentials,
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    for (const name of Object.keys(buckets)) {
      const object = await s3Again.send(new GetObjectCommand({ Bucket: services.names[name], Key: "probe.txt" }));
      expect(await object.Body?.transformToString()).toBe(name);
      expect(JSON.parse(services.env[`SST_RESOURCE_${name}`]!).name).toBe(services.names[name]);
    }
    const dynamo = new DynamoDBClient({
      endpoint: services.env.AWS_ENDPOINT_URL_DYNAMODB,
      region: "us-east-1",
      credentials,
    });
    for (const name of Object.keys(tables)) {
      const table = await dynamo.send(new DescribeTableCommand({ TableName: services.names[name] }));
      expect(table.Table?.TableStatus).toBe("ACTIVE");
    }
  });

  it("refuses a data directory another running process uses, and takes over one left by a process that is gone", async () => {
    // Prepare: a pid file naming a live process (our parent), then one naming no process.
    dataDir = await mkdtemp(join(tmpdir(), "medallion-services-"));
    await writeFile(join(dataDir, "medallion.pid"), String(process.ppid));
    // Act + Assess
    await expect(startServices({ dataDir })).rejects.toThrow(DataDirInUseError);
    await expect(startServices({ dataDir })).rejects.toThrow(/in use by another medallion process \(pid \d+\)/);
    await writeFile(join(dataDir, "medallion.pid"), "2147483646");
    services = await startServices({ dataDir });
    expect(services.names.Landing).toBe("medallion-local-landing");
  });
});
