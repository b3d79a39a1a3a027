import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { carTelemetry } from "@medallion/core/dataset";
import { athena, dynamodb, s3 as s3Limits } from "@medallion/core/limits";
import { binary, column, lit, or, selectColumns } from "@medallion/core/sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localCatalog } from "../src/catalog/index";
import type { DuckDbEngine } from "../src/engine/duckdb";
import { duckdbEngine } from "../src/engine/duckdb";
import type { LocalClients } from "../src/services/clients";
import { localClients } from "../src/services/clients";
import type { LocalServices } from "../src/services/index";
import { startServices } from "../src/services/index";

// The embedded services refuse what AWS refuses, with AWS's error names.
describe("the embedded stack's AWS limits", () => {
  let dataDir: string;
  let services: LocalServices;
  let clients: LocalClients;
  let engine: DuckDbEngine;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "medallion-limits-"));
    services = await startServices({ dataDir });
    clients = localClients(services.env);
    engine = await duckdbEngine({
      s3: clients.s3,
      s3Directory: services.s3.directory,
      catalog: localCatalog({ directory: join(dataDir, "catalog") }),
      datasets: [carTelemetry],
      buckets: { bronze: services.names.Bronze!, silver: services.names.Silver! },
    });
  });
  afterAll(async () => {
    engine.close();
    clients.destroy();
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  // A key of `bytes` UTF-8 bytes in folders (a file name on disk is at most 255 bytes).
  const keyOf = (bytes: number) => {
    const folders = `${"k".repeat(199)}/`.repeat(Math.floor((bytes - 10) / 200));
    return folders + "x".repeat(bytes - folders.length);
  };

  it("S3: refuses an object key over 1,024 bytes with KeyTooLongError, and takes one of 1,024", async () => {
    // Act
    const put = (Key: string) =>
      clients.s3.send(new PutObjectCommand({ Bucket: services.names.Landing, Key, Body: "{}" }));
    // Assess
    await expect(put(keyOf(s3Limits.maxKeyBytes + 1))).rejects.toMatchObject({ name: "KeyTooLongError" });
    await expect(put(keyOf(s3Limits.maxKeyBytes))).resolves.toBeDefined();
  });

  it("DynamoDB: measures keys and items in UTF-8 bytes, as DynamoDB does (dynalite counts characters)", async () => {
    // Prepare: 600 "ç" are 600 characters but 1,200 bytes; 300,000 "é" are 600,000 bytes.
    const TableName = services.names.Ledger!;
    const entry = { dataset: "car_telemetry", ingested_at: "2024-01-01T00:00:00Z" };
    // Act + Assess
    await expect(
      clients.doc.send(new PutCommand({ TableName, Item: { ...entry, file_id: "ç".repeat(600) } })),
    ).rejects.toMatchObject({ name: "ValidationException", message: expect.stringMatching(/range keys.*1024 bytes/) });
    await expect(
      clients.doc.send(new GetCommand({ TableName, Key: { dataset: "car_telemetry", file_id: "ç".repeat(600) } })),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await expect(
      clients.doc.send(new PutCommand({ TableName, Item: { ...entry, file_id: "big", note: "é".repeat(300_000) } })),
    ).rejects.toMatchObject({
      name: "ValidationException",
      message: "Item size has exceeded the maximum allowed size",
    });
    await expect(
      clients.doc.send(new PutCommand({ TableName, Item: { ...entry, file_id: "ç".repeat(500) } })),
    ).resolves.toBeDefined();
  });

  it("DynamoDB: refuses a BatchWrite of more than 25 items and a BatchGet of more than 100 keys", async () => {
    // Prepare
    const TableName = services.names.Ledger!;
    const key = (i: number) => ({ dataset: "car_telemetry", file_id: `f-${i}` });
    // Act + Assess
    await expect(
      clients.doc.send(
        new BatchWriteCommand({
          RequestItems: {
            [TableName]: Array.from({ length: dynamodb.maxBatchWriteItems + 1 }, (_, i) => ({
              PutRequest: { Item: key(i) },
            })),
          },
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await expect(
      clients.doc.send(
        new BatchGetCommand({
          RequestItems: {
            [TableName]: { Keys: Array.from({ length: dynamodb.maxBatchGetKeys + 1 }, (_, i) => key(i)) },
          },
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
  });

  it("Athena (DuckDB engine): refuses query text over 262,144 bytes as Athena renders it", async () => {
    // Prepare: a filter of 20,000 terms, about 400 KB of Athena text.
    const where = or(...Array.from({ length: 20_000 }, (_, i) => binary(column("carChassis"), "=", lit(`CAR-${i}`))));
    const statement = selectColumns({ database: "silver", name: "car_telemetry" }, ["carChassis"], { where });
    // Act + Assess
    await expect(engine.run(statement)).rejects.toMatchObject({
      name: "InvalidRequestException",
      message: expect.stringContaining(`less than or equal to ${athena.maxQueryBytes}`),
    });
  });
});
