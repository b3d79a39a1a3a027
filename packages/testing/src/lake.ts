import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { localClients } from "@medallion/local/services/clients";
import type { LocalServices } from "@medallion/local/services/index";
import { startServices } from "@medallion/local/services/index";

/** Embedded services in a temp directory, with SDK clients pointed at them. */
export interface TestLake {
  dataDir: string;
  services: LocalServices;
  names: Record<string, string>;
  s3: S3Client;
  doc: DynamoDBDocumentClient;
  /** Keys of every object in a bucket (by link name), sorted. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Starts s3rver + dynalite in a fresh temp directory. With `applyEnv`, also sets
 * `process.env` as the embedded stack does, so handler modules imported afterwards
 * talk to these services.
 */
export async function startTestLake({ applyEnv = false }: { applyEnv?: boolean } = {}): Promise<TestLake> {
  const dataDir = await mkdtemp(join(tmpdir(), "medallion-test-"));
  const services = await startServices({ dataDir });
  if (applyEnv)
    Object.assign(process.env, services.env, { POWERTOOLS_LOG_LEVEL: "SILENT", POWERTOOLS_METRICS_DISABLED: "true" });
  const clients = localClients(services.env);
  const { s3, doc } = clients;
  return {
    dataDir,
    services,
    names: services.names,
    s3,
    doc,
    async keys(bucket, prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: services.names[bucket] ?? bucket,
            Prefix: prefix,
            ContinuationToken: token,
          }),
        );
        for (const object of page.Contents ?? []) keys.push(object.Key!);
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    async close() {
      clients.destroy();
      await services.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
