import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TableName } from "@medallion/core/resources";
import { startTestLake } from "./lake";

/** dynalite (with the embedded stack's tables) in a temp directory, and a document client for it. */
export interface TestDynamo {
  doc: DynamoDBDocumentClient;
  /** Physical name of a declared table, e.g. `tableName("JourneyControl")`. */
  tableName(name: TableName): string;
  /** The environment handlers need (`AWS_ENDPOINT_URL_DYNAMODB`, `SST_RESOURCE_*`…). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the embedded services in a fresh temp directory (every declared table created)
 * and returns a document client for them. With `applyEnv`, `process.env` is pointed at
 * them too, so handler modules imported afterwards use them.
 * @example const dynamo = await startTestDynamo(); afterAll(() => dynamo.close());
 */
export async function startTestDynamo({ applyEnv = false }: { applyEnv?: boolean } = {}): Promise<TestDynamo> {
  const lake = await startTestLake({ applyEnv });
  return {
    doc: lake.doc,
    tableName: (name) => lake.names[name]!,
    env: lake.services.env,
    close: () => lake.close(),
  };
}
