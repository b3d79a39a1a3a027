import type { Statement, TableRef } from "@medallion/core/sql";
import { describe, expect, it } from "vitest";
import type { AthenaScope } from "../../src/iam/athena";
import { athenaStatementRequests } from "../../src/iam/athena";

const scope: AthenaScope = {
  region: "eu-west-1",
  account: "123456789012",
  workGroup: "lake",
  results: "s3://results/results/",
  location: (table: TableRef) => `s3://${table.database}-bucket/${table.name}/`,
  iceberg: (table: TableRef) => table.database === "gold",
};
const glue = (action: string, database: string, table: string) =>
  [
    "arn:aws:glue:eu-west-1:123456789012:catalog",
    `arn:aws:glue:eu-west-1:123456789012:database/${database}`,
    `arn:aws:glue:eu-west-1:123456789012:table/${database}/${table}`,
  ].map((resource) => ({ action, resource }));
const silver: TableRef = { database: "silver", name: "cars" };

describe("athenaStatementRequests", () => {
  it("has the caller start and poll the query, and Athena write results and read the tables it names", () => {
    // Prepare
    const statement: Statement = {
      kind: "unload",
      query: { kind: "select", columns: "*", from: { kind: "table", table: silver } },
      to: "s3://silver-bucket/cars/_v=2/",
      partitionedBy: [],
    };
    // Act
    const requests = athenaStatementRequests(statement, scope, false);
    // Assess
    expect(requests).toEqual(
      expect.arrayContaining([
        { action: "athena:StartQueryExecution", resource: "arn:aws:athena:eu-west-1:123456789012:workgroup/lake" },
        { action: "athena:GetQueryExecution", resource: "arn:aws:athena:eu-west-1:123456789012:workgroup/lake" },
        { action: "s3:PutObject", resource: "arn:aws:s3:::results/results/any-object" },
        ...glue("glue:GetTable", "silver", "cars"),
        ...glue("glue:GetPartitions", "silver", "cars"),
        { action: "glue:GetDatabase", resource: "arn:aws:glue:eu-west-1:123456789012:database/silver" },
        { action: "s3:GetObject", resource: "arn:aws:s3:::silver-bucket/cars/any-object" },
        { action: "s3:PutObject", resource: "arn:aws:s3:::silver-bucket/cars/_v=2/any-object" },
      ]),
    );
    // Step Functions' .sync integration does not read the rows.
    expect(requests.map((r) => r.action)).not.toContain("athena:GetQueryResults");
  });

  it("reads results for a caller that fetches rows", () => {
    // Act
    const requests = athenaStatementRequests(
      { kind: "query", query: { kind: "select", columns: "*", from: { kind: "table", table: silver } } },
      scope,
      true,
    );
    // Assess
    expect(requests).toEqual(
      expect.arrayContaining([
        { action: "athena:GetQueryResults", resource: "arn:aws:athena:eu-west-1:123456789012:workgroup/lake" },
        { action: "s3:GetObject", resource: "arn:aws:s3:::results/results/any-object" },
      ]),
    );
  });

  it("updates an Iceberg table's pointer on MERGE, and asks nothing for a DuckDB-only statement", () => {
    // Prepare
    const gold: TableRef = { database: "gold", name: "daily" };
    const merge: Statement = {
      kind: "merge",
      into: gold,
      alias: "g",
      using: { kind: "table", table: silver },
      on: { kind: "literal", value: true },
      clauses: [],
    };
    // Act
    const requests = athenaStatementRequests(merge, scope, true);
    // Assess
    expect(requests).toEqual(expect.arrayContaining(glue("glue:UpdateTable", "gold", "daily")));
    // An Iceberg table's partitions are not in Glue.
    expect(requests).not.toContainEqual(glue("glue:GetPartitions", "gold", "daily")[2]);
    expect(athenaStatementRequests({ kind: "createSchema", database: "gold" }, scope, true)).toEqual([]);
  });
});
