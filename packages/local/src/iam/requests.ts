/**
 * What IAM authorises for an AWS SDK call: one or more requests of an action on a resource
 * ARN. A call is mapped here from the command and its input; a command this file does not
 * know is returned as an unmapped request, which the IAM contract test reports by name
 * (so a new kind of call cannot slip past the check unevaluated).
 */

/** One request IAM evaluates: an action on a resource. */
export interface IamRequest {
  /** `service:Action`, e.g. `s3:GetObject`. */
  action: string;
  /** The resource's ARN (`*` for actions that take none). */
  resource: string;
  /** Set when the SDK command has no mapping yet: `action` then names the command. */
  unmapped?: true;
}

/** Where the calls are made: the ARNs of regional resources need both. */
export interface AwsScope {
  region: string;
  account: string;
}

const s3Object = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;
const s3Bucket = (bucket: string): string => `arn:aws:s3:::${bucket}`;

/**
 * The ARNs IAM checks for a Glue table-level request: Glue authorises the catalog, the
 * database and the table (each must be allowed).
 */
export function glueTableArns({ region, account }: AwsScope, database: string, table?: string): string[] {
  const base = `arn:aws:glue:${region}:${account}`;
  return [`${base}:catalog`, `${base}:database/${database}`, ...(table ? [`${base}:table/${database}/${table}`] : [])];
}

// S3: the API name is not always the action (HeadObject is s3:GetObject, ListObjectsV2 is
// s3:ListBucket, multipart parts are s3:PutObject, DeleteObjects is s3:DeleteObject per key).
function s3Requests(command: string, input: Record<string, unknown>): IamRequest[] | undefined {
  const bucket = String(input.Bucket ?? "");
  const key = String(input.Key ?? "");
  switch (command) {
    case "GetObject":
    case "HeadObject":
      return [{ action: "s3:GetObject", resource: s3Object(bucket, key) }];
    case "PutObject":
    case "CreateMultipartUpload":
    case "UploadPart":
    case "CompleteMultipartUpload":
      return [{ action: "s3:PutObject", resource: s3Object(bucket, key) }];
    case "AbortMultipartUpload":
      return [{ action: "s3:AbortMultipartUpload", resource: s3Object(bucket, key) }];
    case "DeleteObject":
      return [{ action: "s3:DeleteObject", resource: s3Object(bucket, key) }];
    case "DeleteObjects": {
      const objects = ((input.Delete as { Objects?: { Key?: string }[] } | undefined)?.Objects ?? []).map(
        (object) => object.Key ?? "",
      );
      return objects.map((object) => ({ action: "s3:DeleteObject", resource: s3Object(bucket, object) }));
    }
    case "CopyObject": {
      const source = decodeURIComponent(String(input.CopySource ?? "").replace(/^\//, "")).split("?")[0]!;
      return [
        { action: "s3:GetObject", resource: `arn:aws:s3:::${source}` },
        { action: "s3:PutObject", resource: s3Object(bucket, key) },
      ];
    }
    case "ListObjectsV2":
    case "ListObjects":
    case "HeadBucket":
      return [{ action: "s3:ListBucket", resource: s3Bucket(bucket) }];
    default:
      return undefined;
  }
}

// DynamoDB: batch and transaction calls are authorised per table (and per item action in a transaction).
function dynamoRequests(scope: AwsScope, command: string, input: Record<string, unknown>): IamRequest[] | undefined {
  const table = (name: unknown, index?: unknown): string =>
    `arn:aws:dynamodb:${scope.region}:${scope.account}:table/${String(name)}${index ? `/index/${String(index)}` : ""}`;
  switch (command) {
    case "GetItem":
    case "PutItem":
    case "UpdateItem":
    case "DeleteItem":
    case "DescribeTable":
      return [{ action: `dynamodb:${command}`, resource: table(input.TableName) }];
    case "Query":
    case "Scan":
      return [{ action: `dynamodb:${command}`, resource: table(input.TableName, input.IndexName) }];
    case "BatchWriteItem":
    case "BatchGetItem":
      return Object.keys((input.RequestItems as object | undefined) ?? {}).map((name) => ({
        action: `dynamodb:${command}`,
        resource: table(name),
      }));
    case "TransactWriteItems":
    case "TransactGetItems": {
      const items = (input.TransactItems as Record<string, { TableName?: string }>[] | undefined) ?? [];
      const actions: Record<string, string> = {
        Put: "PutItem",
        Update: "UpdateItem",
        Delete: "DeleteItem",
        ConditionCheck: "ConditionCheckItem",
        Get: "GetItem",
      };
      return items.flatMap((item) =>
        Object.entries(item).map(([kind, request]) => ({
          action: `dynamodb:${actions[kind] ?? kind}`,
          resource: table(request.TableName),
        })),
      );
    }
    default:
      return undefined;
  }
}

function athenaRequests(scope: AwsScope, command: string, input: Record<string, unknown>): IamRequest[] | undefined {
  if (!["StartQueryExecution", "GetQueryExecution", "GetQueryResults", "StopQueryExecution"].includes(command))
    return undefined;
  // Only StartQueryExecution names the workgroup; the others act on a query of the caller's workgroup.
  const workGroup = String(input.WorkGroup ?? "primary");
  return [
    { action: `athena:${command}`, resource: `arn:aws:athena:${scope.region}:${scope.account}:workgroup/${workGroup}` },
  ];
}

function glueRequests(scope: AwsScope, command: string, input: Record<string, unknown>): IamRequest[] | undefined {
  if (
    !/^(Get|BatchGet|Create|BatchCreate|Update|BatchUpdate|Delete|BatchDelete)(Partitions?|Table|Tables)$/.test(command)
  )
    return undefined;
  const database = String(input.DatabaseName ?? "");
  const table = input.TableName === undefined ? undefined : String(input.TableName);
  return glueTableArns(scope, database, table).map((resource) => ({ action: `glue:${command}`, resource }));
}

function sqsRequests(scope: AwsScope, command: string, input: Record<string, unknown>): IamRequest[] | undefined {
  if (command !== "SendMessage" && command !== "SendMessageBatch") return undefined;
  const name = String(input.QueueUrl ?? "")
    .split("/")
    .at(-1);
  return [{ action: "sqs:SendMessage", resource: `arn:aws:sqs:${scope.region}:${scope.account}:${name}` }];
}

// Step Functions: the states that end a run read its execution's history (IAM's service prefix is `states`).
function sfnRequests(command: string, input: Record<string, unknown>): IamRequest[] | undefined {
  if (command !== "GetExecutionHistory") return undefined;
  return [{ action: "states:GetExecutionHistory", resource: String(input.executionArn ?? "") }];
}

/**
 * The IAM requests an SDK call makes, or one unmapped request naming the command.
 * @param scope region and account of the calls
 * @param client the SDK client's name, e.g. `S3Client`
 * @param commandName the command's name, e.g. `PutObjectCommand`
 * @param input the command's input
 * @example sdkRequests(scope, "S3Client", "HeadObjectCommand", { Bucket: "b", Key: "k" })
 *   // [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }]
 */
export function sdkRequests(
  scope: AwsScope,
  client: string,
  commandName: string,
  input: Record<string, unknown>,
): IamRequest[] {
  const service = client.replace(/Client$/, "").toLowerCase();
  const command = commandName.replace(/Command$/, "");
  const mapped =
    service === "s3"
      ? s3Requests(command, input)
      : service === "dynamodb"
        ? dynamoRequests(scope, command, input)
        : service === "athena"
          ? athenaRequests(scope, command, input)
          : service === "glue"
            ? glueRequests(scope, command, input)
            : service === "sqs"
              ? sqsRequests(scope, command, input)
              : service === "sfn"
                ? sfnRequests(command, input)
                : undefined;
  return mapped ?? [{ action: `${service}:${command}`, resource: "(unknown)", unmapped: true }];
}
