import { AthenaClient } from "@aws-sdk/client-athena";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentClientOptions } from "@medallion/core/dynamo";
import { tracer } from "./observability";

// SDK clients, built once per Lambda process and traced. Endpoints come from the SDK's
// standard AWS_ENDPOINT_URL_<SERVICE> variables, which the embedded stack sets; nothing
// here knows which world it runs in.
const dynamo = tracer.captureAWSv3Client(new DynamoDBClient({}));
const doc = DynamoDBDocumentClient.from(dynamo, documentClientOptions);

/** The SDK clients handlers pass to core. */
export const clients = {
  s3: tracer.captureAWSv3Client(new S3Client({})),
  dynamo,
  doc,
  athena: tracer.captureAWSv3Client(new AthenaClient({})),
  glue: tracer.captureAWSv3Client(new GlueClient({})),
};
