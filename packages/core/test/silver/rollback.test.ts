import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  BatchGetPartitionCommand,
  BatchUpdatePartitionCommand,
  GetTableCommand,
  GlueClient,
} from "@aws-sdk/client-glue";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { operations } from "../../src/dataset/operations";
import { glueCatalog } from "../../src/silver/glue-catalog";
import type { SilverPlan } from "../../src/silver/plan";
import { rollBackSilver } from "../../src/silver/rollback";

// Glue is AWS-only: mocked. S3 (the retention markers) is the embedded stack's.
const glue = mockClient(GlueClient);
const table = { database: "medallion_silver", name: operations.name };
const day = (d: number) => ({ event_year: 2024, event_month: 1, event_day: d });
const at = (d: number, version: string) => `s3://silver/${operations.name}/_v=${version}/d${d}/`;

// The failed plan: day 1 rewritten (it was at v1), day 2 created, day 3 dropped (it was at v1).
const plan: SilverPlan = {
  dataset: operations.name,
  version: "v2",
  files: [],
  rowsIn: 2,
  rowsWithoutTimestamp: 0,
  partitions: [
    { values: day(1), location: at(1, "v2"), previous: at(1, "v1") },
    { values: day(2), location: at(2, "v2") },
    { values: day(3), location: at(3, "v1"), previous: at(3, "v1"), dropped: true },
  ],
  statements: [],
  more: false,
};

describe("rollBackSilver", () => {
  let lake: TestLake;
  beforeAll(async () => {
    lake = await startTestLake();
  });
  afterAll(() => lake.close());
  afterEach(() => glue.reset());

  const rollBack = (committed: SilverPlan) =>
    rollBackSilver({
      plan: committed,
      spec: operations,
      s3: lake.s3,
      catalog: glueCatalog({ glue: new GlueClient({ region: "us-east-1" }) }),
      buckets: { bronze: lake.names.Bronze!, silver: lake.names.Silver! },
      tables: { bronze: { database: "medallion_bronze", name: operations.name }, silver: table },
    });

  it("points rewritten and dropped days back at their former location, and drops the days it created", async () => {
    // Prepare: the commit went through: days 1 and 2 at v2, day 3 gone.
    glue.on(GetTableCommand).resolves({
      Table: {
        Name: table.name,
        PartitionKeys: [{ Name: "event_year" }, { Name: "event_month" }, { Name: "event_day" }],
        StorageDescriptor: { Location: `s3://silver/${operations.name}/`, Columns: [] },
      },
    });
    glue.on(BatchGetPartitionCommand).resolves({
      Partitions: [
        { Values: ["2024", "1", "1"], StorageDescriptor: { Location: at(1, "v2") } },
        { Values: ["2024", "1", "2"], StorageDescriptor: { Location: at(2, "v2") } },
      ],
    });
    glue.on(BatchUpdatePartitionCommand).resolves({});
    glue.on(BatchCreatePartitionCommand).resolves({});
    glue.on(BatchDeletePartitionCommand).resolves({});
    // Act
    const done = await rollBack(plan);
    // Assess: day 1 updated back to v1, day 3 re-created at v1, day 2 deleted.
    expect(done).toEqual({ restored: 2, dropped: 1 });
    const updated = glue.commandCalls(BatchUpdatePartitionCommand).flatMap((c) => c.args[0].input.Entries!);
    expect(updated.map((e) => [e.PartitionValueList, e.PartitionInput!.StorageDescriptor!.Location])).toEqual([
      [["2024", "1", "1"], at(1, "v1")],
    ]);
    const created = glue.commandCalls(BatchCreatePartitionCommand).flatMap((c) => c.args[0].input.PartitionInputList!);
    expect(created.map((p) => [p.Values, p.StorageDescriptor!.Location])).toEqual([[["2024", "1", "3"], at(3, "v1")]]);
    const deleted = glue.commandCalls(BatchDeletePartitionCommand).flatMap((c) => c.args[0].input.PartitionsToDelete!);
    expect(deleted).toEqual([{ Values: ["2024", "1", "2"] }]);
    // The plan's own files are left for retention to delete.
    const markers = await lake.keys("Silver", `_retention/${operations.name}/`);
    expect(markers).toHaveLength(2);
  });

  it("touches nothing for a plan that wrote no version", async () => {
    // Act
    const done = await rollBack({ ...plan, version: null });
    // Assess
    expect(done).toEqual({ restored: 0, dropped: 0 });
    expect(glue.calls()).toHaveLength(0);
  });
});
