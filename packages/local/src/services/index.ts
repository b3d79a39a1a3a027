import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  AttributeDefinition,
  DynamoDBClient,
  GlobalSecondaryIndex,
  KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import { CreateTableCommand, DescribeTableCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import type { KeySchema, TableDeclaration } from "@medallion/core/resources";
import { buckets, queues, tables } from "@medallion/core/resources";
import { localClients } from "./clients";
import type { KeyAttributes } from "./dynamo-limits";
import { startDynamo } from "./dynamodb";
import type { LocalS3 } from "./s3";
import { startS3 } from "./s3";

export type { LocalObjectCreated } from "./s3";

/** The running embedded services and the environment that points the AWS SDK and SST's `Resource` at them. */
export interface LocalServices {
  s3: LocalS3;
  dynamoEndpoint: string;
  /** Physical names by link name, e.g. `{ Landing: "medallion-local-landing" }`. */
  names: Record<string, string>;
  /** `AWS_ENDPOINT_URL_*`, region, credentials and `SST_RESOURCE_*`, as SST would set them. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The data directory is used by another running process (LevelDB and DuckDB allow one writer). */
export class DataDirInUseError extends Error {
  override name = "DataDirInUseError";
}

/**
 * Marks `dataDir` as used by this process (`medallion.pid`), so a second medallion on the
 * same state fails at once with a clear message instead of deep inside LevelDB. A file left
 * by a process that no longer runs is taken over.
 */
async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const pidFile = join(dataDir, "medallion.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(pidFile, String(process.pid), { flag: "wx" });
      return async () => void (await rm(pidFile, { force: true }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
      if (pid && pid !== process.pid && isRunning(pid)) {
        throw new DataDirInUseError(
          `${dataDir} is in use by another medallion process (pid ${pid}): stop it, or pass another --data-dir`,
        );
      }
      await rm(pidFile, { force: true });
    }
  }
  throw new DataDirInUseError(`${dataDir}: could not claim ${pidFile}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Physical name of a declared resource on a stage, e.g. `medallion-local-landing`. */
function physicalName(stage: string, linkName: string): string {
  const kebab = linkName.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
  return `medallion-${stage}-${kebab}`;
}

/**
 * The physical names of every declared bucket, table and queue on a stage, by link name.
 * @param stage stage name used in physical names
 * @example localNames().Landing // "medallion-local-landing"
 */
export function localNames(stage = "local"): Record<string, string> {
  return Object.fromEntries(
    [...Object.keys(buckets), ...Object.keys(tables), ...Object.keys(queues)].map((name) => [
      name,
      physicalName(stage, name),
    ]),
  );
}

/**
 * Starts s3rver and dynalite with state under `dataDir`, creates every bucket and table
 * that `@medallion/core/resources` declares (what exists already is kept), and returns the
 * environment handlers need to run unchanged.
 * @param options.dataDir state directory (e.g. `.medallion`)
 * @param options.stage stage name used in physical names
 */
export async function startServices({
  dataDir,
  stage = "local",
}: {
  dataDir: string;
  stage?: string;
}): Promise<LocalServices> {
  const releaseDataDir = await claimDataDir(dataDir);
  const names = localNames(stage);

  let s3: LocalS3;
  let dynamo: Awaited<ReturnType<typeof startDynamo>>;
  try {
    s3 = await startS3(
      dataDir,
      Object.keys(buckets).map((name) => names[name]!),
    );
  } catch (error) {
    await releaseDataDir();
    throw error;
  }
  try {
    dynamo = await startDynamo(dataDir, keyAttributes(names));
  } catch (error) {
    await s3.close();
    await releaseDataDir();
    throw error;
  }
  const env: Record<string, string> = {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    // s3rver does not speak the SDK's default aws-chunked trailing checksums.
    AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
    AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
    SST_RESOURCE_App: JSON.stringify({ name: "medallion", stage }),
  };
  for (const name of Object.keys(buckets))
    env[`SST_RESOURCE_${name}`] = JSON.stringify({ name: names[name], type: "sst.aws.Bucket" });
  for (const name of Object.keys(tables))
    env[`SST_RESOURCE_${name}`] = JSON.stringify({ name: names[name], type: "sst.aws.Dynamo" });

  try {
    await createTables(env, names);
  } catch (error) {
    await Promise.allSettled([s3.close(), dynamo.close()]);
    await releaseDataDir();
    throw error;
  }
  return {
    s3,
    dynamoEndpoint: dynamo.endpoint,
    names,
    env,
    close: async () => {
      await Promise.allSettled([s3.close(), dynamo.close()]);
      await releaseDataDir();
    },
  };
}

// dynalite has no TTL: expired items stay until read. Readers that rely on TTL (Powertools
// Idempotency, journey leases) check the expiry themselves, so behaviour is the same.
async function createTables(env: Record<string, string>, names: Record<string, string>): Promise<void> {
  const clients = localClients(env);
  const client = clients.dynamo;
  try {
    const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
    for (const [linkName, declaration] of Object.entries(tables) as [string, TableDeclaration][]) {
      const TableName = names[linkName]!;
      if (existing.has(TableName)) {
        await untilActive(client, TableName);
        continue;
      }
      const indexes = Object.entries(declaration.globalIndexes ?? {});
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: Object.entries(declaration.fields).map(
            ([AttributeName, type]): AttributeDefinition => ({
              AttributeName,
              AttributeType: type === "string" ? "S" : type === "number" ? "N" : "B",
            }),
          ),
          KeySchema: keySchema(declaration.primaryIndex),
          GlobalSecondaryIndexes: indexes.length
            ? indexes.map(
                ([IndexName, key]): GlobalSecondaryIndex => ({
                  IndexName,
                  KeySchema: keySchema(key),
                  Projection: { ProjectionType: "ALL" },
                }),
              )
            : undefined,
        }),
      );
      // dynalite answers ResourceNotFound until a new table is ACTIVE: callers get ready tables.
      await untilActive(client, TableName);
    }
  } finally {
    clients.destroy();
  }
}

// Each table's key attributes (its own and its indexes'), by physical name: what DynamoDB limits.
function keyAttributes(names: Record<string, string>): KeyAttributes {
  return Object.fromEntries(
    (Object.entries(tables) as [string, TableDeclaration][]).map(([linkName, declaration]) => {
      const schemas = [declaration.primaryIndex, ...Object.values(declaration.globalIndexes ?? {})];
      return [
        names[linkName]!,
        {
          hash: [...new Set(schemas.map((schema) => schema.hashKey))],
          range: [...new Set(schemas.flatMap((schema) => (schema.rangeKey ? [schema.rangeKey] : [])))],
        },
      ];
    }),
  );
}

async function untilActive(client: DynamoDBClient, TableName: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName }));
    if (Table?.TableStatus === "ACTIVE") return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`local table ${TableName} did not become ACTIVE`);
}

function keySchema({ hashKey, rangeKey }: KeySchema): KeySchemaElement[] {
  return rangeKey
    ? [
        { AttributeName: hashKey, KeyType: "HASH" },
        { AttributeName: rangeKey, KeyType: "RANGE" },
      ]
    : [{ AttributeName: hashKey, KeyType: "HASH" }];
}
