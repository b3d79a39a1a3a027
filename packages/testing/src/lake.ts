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

/** What most fixtures need of a lake: SDK clients for its services and their physical names. */
export type LakeClients = Pick<TestLake, "s3" | "doc" | "names">;

/**
 * Starts the embedded services on an existing data directory (the CLI's, between two commands:
 * none holds it then), runs `fn` with clients for them, and stops them again, also when it throws.
 * @param dataDir the data directory the services keep their state in
 * @param fn what to do with the lake
 * @returns what `fn` returns
 */
export async function withLakeOn<T>(dataDir: string, fn: (lake: LakeClients) => Promise<T>): Promise<T> {
  const services = await startServices({ dataDir, command: "test" });
  const clients = localClients(services.env);
  try {
    return await fn({ s3: clients.s3, doc: clients.doc, names: services.names });
  } finally {
    clients.destroy();
    await services.close();
  }
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
