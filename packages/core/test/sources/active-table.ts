import { DynamoDBClient, waitUntilTableExists } from "@aws-sdk/client-dynamodb";

/**
 * Waits until a table of the embedded stack is ACTIVE. dynalite answers
 * ResourceNotFound while a table is still CREATING, which `startServices` does not wait
 * out; the Watermark table, created last, is the one a fast test can reach too early.
 * @param env the services' environment (endpoint, region, credentials)
 * @param tableName the table's physical name
 */
export async function tableActive(env: Record<string, string>, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint: env.AWS_ENDPOINT_URL_DYNAMODB,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  });
  try {
    await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 0.05, maxDelay: 0.2 }, { TableName: tableName });
  } finally {
    client.destroy();
  }
}
