import { AthenaClient } from "@aws-sdk/client-athena";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GlueClient } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentClientOptions } from "@medallion/core/dynamo";

// SDK clients, built once per Lambda process (and traced by `./tracer` where it is loaded). Endpoints come from the SDK's
// standard AWS_ENDPOINT_URL_<SERVICE> variables, which the embedded stack sets; nothing
// here knows which world it runs in.
const dynamo = new DynamoDBClient({});
const doc = DynamoDBDocumentClient.from(dynamo, documentClientOptions);

/** The SDK clients handlers pass to core. */
export const clients = {
  s3: new S3Client({}),
  dynamo,
  doc,
  athena: new AthenaClient({}),
  glue: new GlueClient({}),
  sfn: new SFNClient({}),
};
