import type {
  AttributeDefinition,
  DynamoDBClient,
  GlobalSecondaryIndex,
  KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import { CreateTableCommand, DescribeTableCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { failJourney, listJourneys } from "@medallion/core/journey";
import { isHolderGone } from "@medallion/core/lock";
import type { KeySchema, TableDeclaration } from "@medallion/core/resources";
import { buckets, tables } from "@medallion/core/resources";
import type { DataDirEndpoints } from "../data-dir";
import { claimDataDir, publishEndpoints, withdrawEndpoints } from "../data-dir";
import { clientEnv, localClients } from "./clients";
import type { KeyAttributes } from "./dynamo-limits";
import { startDynamo } from "./dynamodb";
import { localNames } from "./names";
import type { LocalS3 } from "./s3";
import { startS3 } from "./s3";

export { DataDirInUseError } from "../data-dir";
export { PortInUseError } from "./errors";
export { localNames } from "./names";
export type { LocalObjectCreated } from "./s3";

/** The running embedded services and the environment that points the AWS SDK and SST's `Resource` at them. */
export interface LocalServices {
  s3: LocalS3;
  dynamoEndpoint: string;
  /** Physical names by link name, e.g. `{ Landing: "medallion-local-landing" }`. */
  names: Record<string, string>;
  /** `AWS_ENDPOINT_URL_*`, region, credentials and `SST_RESOURCE_*`, as SST would set them. */
  env: Record<string, string>;
  /**
   * Adds the read endpoint to what the data directory says this process serves (see `data-dir.ts`).
   * @param reads the read endpoint's URL and token
   */
  advertise(reads: NonNullable<DataDirEndpoints["reads"]>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts s3rver and dynalite with state under `dataDir`, creates every bucket and table
 * that `@medallion/core/resources` declares (what exists already is kept), and returns the
 * environment handlers need to run unchanged. The process claims the data directory and says
 * there where it serves, so other medallion commands can use its endpoints.
 * @param options.dataDir state directory (e.g. `.medallion`)
 * @param options.stage stage name used in physical names
 * @param options.ports loopback ports of S3 and DynamoDB (0, the default: any free port)
 * @param options.command what this process is (`dev`, `run`…), said in the data directory
 * @throws PortInUseError when a port asked for is taken
 */
export async function startServices({
  dataDir,
  stage = "local",
  ports = {},
  command = "medallion",
}: {
  dataDir: string;
  stage?: string;
  ports?: { s3?: number; dynamodb?: number };
  command?: string;
}): Promise<LocalServices> {
  const releaseDataDir = await claimDataDir(dataDir);
  const names = localNames(stage);

  let s3: LocalS3;
  let dynamo: Awaited<ReturnType<typeof startDynamo>>;
  try {
    s3 = await startS3(
      dataDir,
      Object.keys(buckets).map((name) => names[name]!),
      ports.s3,
    );
  } catch (error) {
    await releaseDataDir();
    throw error;
  }
  try {
    dynamo = await startDynamo(dataDir, ports.dynamodb, keyAttributes(names));
  } catch (error) {
    await s3.close();
    await releaseDataDir();
    throw error;
  }
  const env: Record<string, string> = {
    ...clientEnv({ s3: s3.endpoint, dynamodb: dynamo.endpoint }),
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
  const endpoints: DataDirEndpoints = { pid: process.pid, command, s3: s3.endpoint, dynamodb: dynamo.endpoint };
  await publishEndpoints(dataDir, endpoints);
  return {
    s3,
    dynamoEndpoint: dynamo.endpoint,
    names,
    env,
    advertise: (reads) => publishEndpoints(dataDir, { ...endpoints, reads }),
    close: async () => {
      await withdrawEndpoints(dataDir);
      await Promise.allSettled([s3.close(), dynamo.close()]);
      await releaseDataDir();
    },
  };
}

// dynalite has no TTL: expired items stay until read. Readers that rely on TTL (Powertools
// Idempotency, journey leases) check the expiry themselves, so behaviour is the same. The tables
// are created at once, not one after the other: each waits for dynalite to make it ACTIVE.
async function createTables(env: Record<string, string>, names: Record<string, string>): Promise<void> {
  const clients = localClients(env);
  const client = clients.dynamo;
  try {
    const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
    await Promise.all(
      (Object.entries(tables) as [string, TableDeclaration][]).map(async ([linkName, declaration]) => {
        const TableName = names[linkName]!;
        if (!existing.has(TableName)) await client.send(createTableCommand(TableName, declaration));
        // dynalite answers ResourceNotFound until a new table is ACTIVE: callers get ready tables.
        await untilActive(client, TableName);
      }),
    );
  } finally {
    clients.destroy();
  }
}

function createTableCommand(TableName: string, declaration: TableDeclaration): CreateTableCommand {
  const indexes = Object.entries(declaration.globalIndexes ?? {});
  return new CreateTableCommand({
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
  });
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

/**
 * Powertools marks an ingestion IN_PROGRESS until it ends, and a repeat of the event is refused
 * ("already an execution in progress") until the record's in-progress expiry: 15 minutes after a
 * kill -9 or a crash. Called by a process that has just claimed the data directory to ingest
 * into it (`run`, `dev`, `backfill`): no other process can be ingesting, so every such record was
 * left by a process that is gone, and is removed now: the next ingestion of the file runs at once.
 * @param env the services' environment
 * @param table the idempotency table's physical name
 */
export async function releaseAbandonedIngestions(env: Record<string, string>, table: string): Promise<void> {
  const clients = localClients(env);
  try {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await clients.doc.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: "#status = :in_progress",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":in_progress": "INPROGRESS" },
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? [])
        await clients.doc
          .send(
            new DeleteCommand({
              TableName: table,
              Key: { id: item.id },
              ConditionExpression: "#status = :in_progress",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":in_progress": "INPROGRESS" },
            }),
          )
          .catch(() => undefined);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  } finally {
    clients.destroy();
  }
}

/**
 * A run killed hard leaves its journey in progress; its process (pid and host) is recorded, and
 * when that process is gone the journey is failed now, as Ctrl-C would have: `journeys` shows what
 * happened, and the window's next run resumes it (a lock it held is taken over the same way).
 * @param env the services' environment
 * @param table the journey table's physical name
 */
export async function failAbandonedJourneys(env: Record<string, string>, table: string): Promise<void> {
  const clients = localClients(env);
  try {
    for (const journey of await listJourneys({ doc: clients.doc, table })) {
      if (journey.status !== "in_progress" || !isHolderGone({ host: journey.run_host, pid: journey.run_pid })) continue;
      await failJourney({
        doc: clients.doc,
        table,
        journeyId: journey.journey_id,
        runId: journey.run_id,
        error: {
          name: "Interrupted",
          message: `interrupted: its process (pid ${journey.run_pid}) ended before the run finished`,
        },
      }).catch(() => undefined);
    }
  } finally {
    clients.destroy();
  }
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
