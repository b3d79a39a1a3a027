import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { knownDatasets } from "@medallion/core/datasets";
import type { DatasetSpec } from "@medallion/core/dataset";
import type { SilverDependencies } from "@medallion/functions/silver";
import { catalogDirectory, localCatalog } from "../catalog/index";
import type { LocalServices } from "../services/index";
import { duckdbEngine, lakeDatabaseFile, localTables } from "./duckdb";

/**
 * What the silver handlers need on the embedded stack: DuckDB as the engine, the JSON catalog,
 * and SDK clients pointed at s3rver and dynalite. Pass it to `silverHandlers` from
 * `@medallion/functions/silver`; call `close` when the stack stops.
 * @param options running services, state directory, datasets (default: every known one, read now)
 * @example const handlers = silverHandlers(() => deps); await handlers.consolidate({ dataset }, context);
 */
export async function localSilverDependencies({
  services,
  dataDir,
  datasets = knownDatasets(),
}: {
  services: LocalServices;
  dataDir: string;
  datasets?: Record<string, DatasetSpec>;
}): Promise<SilverDependencies & { close(): void }> {
  const { env } = services;
  const config = { region: env.AWS_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! } };
  const s3 = new S3Client({ ...config, endpoint: env.AWS_ENDPOINT_URL_S3, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
  const dynamo = new DynamoDBClient({ ...config, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const catalog = localCatalog({ directory: catalogDirectory(dataDir) });
  const buckets = { bronze: services.names.Bronze!, silver: services.names.Silver! };
  const engine = await duckdbEngine({ s3, s3Directory: services.s3.directory, catalog, datasets: Object.values(datasets), buckets, databaseFile: lakeDatabaseFile(dataDir) });
  return {
    s3,
    doc,
    ledgerTable: services.names.Ledger!,
    engine,
    catalog,
    datasets,
    buckets,
    tables: localTables,
    close() {
      engine.close();
      s3.destroy();
      dynamo.destroy();
    },
  };
}
