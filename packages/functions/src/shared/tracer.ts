import { Tracer } from "@aws-lambda-powertools/tracer";
import { clients } from "./clients";
import { serviceName } from "./observability";

/**
 * X-Ray tracing; disabled outside Lambda (no daemon), so it costs nothing locally. Loading
 * this module also traces the shared SDK clients' calls (`./clients`): a handler that never
 * imports it (ingest) carries neither the Tracer nor the X-Ray SDK.
 */
export const tracer = new Tracer({
  serviceName,
  enabled: process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined,
});

// The document client shares the DynamoDB client's middleware stack: it is traced with it.
for (const client of [clients.s3, clients.dynamo, clients.athena, clients.glue]) tracer.captureAWSv3Client(client);
