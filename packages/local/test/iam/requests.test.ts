import { describe, expect, it } from "vitest";
import { sdkRequests } from "../../src/iam/requests";

const scope = { region: "eu-west-1", account: "123456789012" };

describe("sdkRequests", () => {
  it("maps S3 calls to the actions IAM checks, not their API names", () => {
    // Assess
    expect(sdkRequests(scope, "S3Client", "HeadObjectCommand", { Bucket: "b", Key: "k/1.json" })).toEqual([
      { action: "s3:GetObject", resource: "arn:aws:s3:::b/k/1.json" },
    ]);
    expect(sdkRequests(scope, "S3Client", "ListObjectsV2Command", { Bucket: "b", Prefix: "k/" })).toEqual([
      { action: "s3:ListBucket", resource: "arn:aws:s3:::b" },
    ]);
    expect(sdkRequests(scope, "S3Client", "UploadPartCommand", { Bucket: "b", Key: "big" })).toEqual([
      { action: "s3:PutObject", resource: "arn:aws:s3:::b/big" },
    ]);
    expect(
      sdkRequests(scope, "S3Client", "DeleteObjectsCommand", {
        Bucket: "b",
        Delete: { Objects: [{ Key: "x" }, { Key: "y" }] },
      }),
    ).toEqual([
      { action: "s3:DeleteObject", resource: "arn:aws:s3:::b/x" },
      { action: "s3:DeleteObject", resource: "arn:aws:s3:::b/y" },
    ]);
    // A copy reads its (URL-encoded) source and writes its destination.
    expect(
      sdkRequests(scope, "S3Client", "CopyObjectCommand", { Bucket: "b", Key: "a b", CopySource: "b/a%20b" }),
    ).toEqual([
      { action: "s3:GetObject", resource: "arn:aws:s3:::b/a b" },
      { action: "s3:PutObject", resource: "arn:aws:s3:::b/a b" },
    ]);
  });

  it("maps DynamoDB calls per table, an index query to the index, a transaction per item", () => {
    // Assess
    expect(sdkRequests(scope, "DynamoDBClient", "QueryCommand", { TableName: "ledger", IndexName: "pending" })).toEqual(
      [{ action: "dynamodb:Query", resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/ledger/index/pending" }],
    );
    expect(
      sdkRequests(scope, "DynamoDBClient", "TransactWriteItemsCommand", {
        TransactItems: [{ Put: { TableName: "a" } }, { ConditionCheck: { TableName: "b" } }],
      }),
    ).toEqual([
      { action: "dynamodb:PutItem", resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/a" },
      { action: "dynamodb:ConditionCheckItem", resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/b" },
    ]);
    expect(sdkRequests(scope, "DynamoDBClient", "BatchWriteItemCommand", { RequestItems: { a: [], b: [] } })).toEqual([
      { action: "dynamodb:BatchWriteItem", resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/a" },
      { action: "dynamodb:BatchWriteItem", resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/b" },
    ]);
  });

  it("maps a Glue table call to the catalog, the database and the table, each of which IAM checks", () => {
    // Act
    const requests = sdkRequests(scope, "GlueClient", "BatchUpdatePartitionCommand", {
      DatabaseName: "silver",
      TableName: "cars",
    });
    // Assess
    expect(requests).toEqual([
      { action: "glue:BatchUpdatePartition", resource: "arn:aws:glue:eu-west-1:123456789012:catalog" },
      { action: "glue:BatchUpdatePartition", resource: "arn:aws:glue:eu-west-1:123456789012:database/silver" },
      { action: "glue:BatchUpdatePartition", resource: "arn:aws:glue:eu-west-1:123456789012:table/silver/cars" },
    ]);
  });

  it("maps a Step Functions history read to IAM's states prefix, on the execution", () => {
    // Prepare
    const executionArn = "arn:aws:states:eu-west-1:123456789012:execution:app-pipeline:run-1";
    // Act / Assess
    expect(sdkRequests(scope, "SFNClient", "GetExecutionHistoryCommand", { executionArn })).toEqual([
      { action: "states:GetExecutionHistory", resource: executionArn },
    ]);
  });

  it("returns a call it does not know as one unmapped request naming it", () => {
    // Assess
    expect(sdkRequests(scope, "S3Client", "PutBucketTaggingCommand", { Bucket: "b" })).toEqual([
      { action: "s3:PutBucketTagging", resource: "(unknown)", unmapped: true },
    ]);
    expect(sdkRequests(scope, "KinesisClient", "PutRecordCommand", {})).toEqual([
      { action: "kinesis:PutRecord", resource: "(unknown)", unmapped: true },
    ]);
  });
});
