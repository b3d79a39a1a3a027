import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { startServices } from "@medallion/local/services/index";
import type { LocalServices } from "@medallion/local/services/index";

/** The embedded s3rver + dynalite with real SDK clients pointed at them, for tests. */
export interface TestStack {
  services: LocalServices;
  s3: S3Client;
  doc: DynamoDBDocumentClient;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts the embedded services in a fresh temp data dir. */
export async function startTestStack(): Promise<TestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), "medallion-core-test-"));
  const services = await startServices({ dataDir });
  const { env } = services;
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! };
  const s3 = new S3Client({
    endpoint: env.AWS_ENDPOINT_URL_S3,
    region: env.AWS_REGION,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const dynamo = new DynamoDBClient({ endpoint: env.AWS_ENDPOINT_URL_DYNAMODB, region: env.AWS_REGION, credentials });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  return {
    services,
    s3,
    doc,
    dataDir,
    close: async () => {
      s3.destroy();
      dynamo.destroy();
      await services.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
