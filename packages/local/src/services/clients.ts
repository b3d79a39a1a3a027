import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentClientOptions } from "@medallion/core/dynamo";

/** SDK clients pointed at the embedded services. */
export interface LocalClients {
  s3: S3Client;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  destroy(): void;
}

/**
 * The SDK's environment for the embedded services at these endpoints: region, the fixed local
 * credentials, the endpoints, and the checksum settings s3rver needs.
 * @param endpoints the S3 and DynamoDB endpoints
 */
export function clientEnv({ s3, dynamodb }: { s3: string; dynamodb: string }): Record<string, string> {
  return {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_ENDPOINT_URL_S3: s3,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb,
    // s3rver does not speak the SDK's default aws-chunked trailing checksums.
    AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
    AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
  };
}

/**
 * SDK clients for the embedded services, from their environment (endpoints, region,
 * credentials), for code that runs beside the stack without applying that environment to
 * `process.env` (the CLI's read-only commands, the local engine, tests).
 * @param env the `env` of {@link LocalServices}
 */
export function localClients(env: Record<string, string>): LocalClients {
  const config = {
    region: env.AWS_REGION!,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  };
  // s3rver does not speak the SDK's default aws-chunked trailing checksums.
  const s3 = new S3Client({
    ...config,
    endpoint: env.AWS_ENDPOINT_URL_S3,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const dynamo = new DynamoDBClient({ ...config, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB });
  const doc = DynamoDBDocumentClient.from(dynamo, documentClientOptions);
  return {
    s3,
    dynamo,
    doc,
    destroy() {
      s3.destroy();
      dynamo.destroy();
    },
  };
}
