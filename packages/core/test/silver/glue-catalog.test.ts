import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  BatchGetPartitionCommand,
  BatchUpdatePartitionCommand,
  GetTableCommand,
  GlueClient,
  UpdateTableCommand,
} from "@aws-sdk/client-glue";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { CatalogError } from "../../src/silver/errors";
import { glueCatalog } from "../../src/silver/glue-catalog";

const glue = mockClient(GlueClient);
const table = { database: "medallion_silver", name: "car_telemetry" };
const storage = {
  Location: "s3://silver/car_telemetry/",
  Columns: [{ Name: "carChassis", Type: "string" }],
  SerdeInfo: { SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
};
const catalog = () => glueCatalog({ glue: new GlueClient({ region: "us-east-1" }) });
const day = (d: number) => ({ event_year: 2024, event_month: 1, event_day: d });
const at = (d: number, version = "new") => ({
  values: day(d),
  location: `s3://silver/car_telemetry/_v=${version}/d${d}/`,
});

function silverTable(): void {
  glue.on(GetTableCommand).resolves({
    Table: {
      Name: table.name,
      PartitionKeys: [{ Name: "event_year" }, { Name: "event_month" }, { Name: "event_day" }],
      StorageDescriptor: storage,
    },
  });
}

describe("glueCatalog", () => {
  afterEach(() => glue.reset());

  it("locates partitions with BatchGetPartition, in the table's key order, at most 1,000 per call", async () => {
    // Prepare: day 2 exists; 1,500 partitions are asked for.
    silverTable();
    glue.on(BatchGetPartitionCommand).callsFake(({ PartitionsToGet }) => ({
      Partitions: PartitionsToGet.filter((p: { Values: string[] }) => p.Values[2] === "2").map(
        (p: { Values: string[] }) => ({ Values: p.Values, StorageDescriptor: { Location: "s3://silver/old/d2" } }),
      ),
    }));
    const asked = Array.from({ length: 1_500 }, (_, i) => day(i + 1));
    // Act
    const found = await catalog().locate(table, asked);
    // Assess
    expect(found[1]).toBe("s3://silver/old/d2/");
    expect(found.filter((location) => location !== undefined)).toHaveLength(1);
    const calls = glue.commandCalls(BatchGetPartitionCommand).map((c) => c.args[0].input.PartitionsToGet!.length);
    expect(calls).toEqual([1_000, 500]);
    expect(glue.commandCalls(BatchGetPartitionCommand)[0]!.args[0].input.PartitionsToGet![0]).toEqual({
      Values: ["2024", "1", "1"],
    });
  });

  it("asks again for the keys Glue left unprocessed", async () => {
    // Prepare
    silverTable();
    glue
      .on(BatchGetPartitionCommand)
      .resolvesOnce({ Partitions: [], UnprocessedKeys: [{ Values: ["2024", "1", "3"] }] })
      .resolves({ Partitions: [{ Values: ["2024", "1", "3"], StorageDescriptor: { Location: "s3://silver/d3/" } }] });
    // Act
    const found = await catalog().locate(table, [day(3)]);
    // Assess
    expect(found).toEqual(["s3://silver/d3/"]);
    expect(glue.commandCalls(BatchGetPartitionCommand)).toHaveLength(2);
  });

  it("updates an existing partition even when it holds no files, and creates the others, in batches of 100", async () => {
    // Prepare: day 1 exists (an empty partition: Glue still lists it); days 2..151 do not.
    silverTable();
    glue.on(BatchGetPartitionCommand).resolves({
      Partitions: [{ Values: ["2024", "1", "1"], StorageDescriptor: { Location: "s3://silver/_v=old/d1/" } }],
    });
    glue.on(BatchUpdatePartitionCommand).resolves({ Errors: [] });
    glue.on(BatchCreatePartitionCommand).resolves({ Errors: [] });
    const partitions = Array.from({ length: 151 }, (_, i) => at(i + 1));
    // Act
    await catalog().swap(table, partitions);
    // Assess
    const updates = glue.commandCalls(BatchUpdatePartitionCommand).map((c) => c.args[0].input);
    expect(updates).toEqual([
      {
        DatabaseName: "medallion_silver",
        TableName: "car_telemetry",
        Entries: [
          {
            PartitionValueList: ["2024", "1", "1"],
            PartitionInput: {
              Values: ["2024", "1", "1"],
              StorageDescriptor: { ...storage, Location: at(1).location },
            },
          },
        ],
      },
    ]);
    const creates = glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input.PartitionInputList!);
    expect(creates.map((batch) => batch.length)).toEqual([100, 50]);
    expect(creates[0]![0]).toEqual({
      Values: ["2024", "1", "2"],
      StorageDescriptor: { ...storage, Location: at(2).location },
    });
  });

  it("fails with the partitions Glue refused, naming the first", async () => {
    // Prepare
    silverTable();
    glue.on(BatchGetPartitionCommand).resolves({ Partitions: [] });
    glue.on(BatchCreatePartitionCommand).resolves({
      Errors: [
        {
          PartitionValues: ["2024", "1", "1"],
          ErrorDetail: { ErrorCode: "AccessDeniedException", ErrorMessage: "not authorized" },
        },
      ],
    });
    // Act + Assess
    const swapped = catalog().swap(table, [at(1)]);
    await expect(swapped).rejects.toBeInstanceOf(CatalogError);
    await expect(swapped).rejects.toThrow(/2024\/1\/1: AccessDeniedException not authorized/);
  });

  it("drops partitions with BatchDeletePartition, in the table's key order, at most 25 per call", async () => {
    // Prepare: day 3 is gone already (a repeated drop), which Glue reports as not found.
    silverTable();
    glue.on(BatchDeletePartitionCommand).callsFake(({ PartitionsToDelete }) => ({
      Errors: PartitionsToDelete.filter((p: { Values: string[] }) => p.Values[2] === "3").map(
        (p: { Values: string[] }) => ({
          PartitionValues: p.Values,
          ErrorDetail: { ErrorCode: "EntityNotFoundException", ErrorMessage: "Partition not found" },
        }),
      ),
    }));
    const dropped = Array.from({ length: 30 }, (_, i) => day(i + 1));
    // Act
    await catalog().drop(table, dropped);
    await catalog().drop(table, []);
    // Assess
    const calls = glue.commandCalls(BatchDeletePartitionCommand).map((c) => c.args[0].input);
    expect(calls.map((input) => input.PartitionsToDelete!.length)).toEqual([25, 5]);
    expect(calls[0]).toMatchObject({ DatabaseName: table.database, TableName: table.name });
    expect(calls[0]!.PartitionsToDelete![0]).toEqual({ Values: ["2024", "1", "1"] });
  });

  it("fails naming the first partition Glue would not drop", async () => {
    // Prepare
    silverTable();
    glue.on(BatchDeletePartitionCommand).resolves({
      Errors: [
        {
          PartitionValues: ["2024", "1", "2"],
          ErrorDetail: { ErrorCode: "AccessDeniedException", ErrorMessage: "not authorized" },
        },
      ],
    });
    // Act + Assess
    const dropping = catalog().drop(table, [day(2)]);
    await expect(dropping).rejects.toBeInstanceOf(CatalogError);
    await expect(dropping).rejects.toThrow(
      /cannot drop partitions of medallion_silver.car_telemetry: .*2024\/1\/2: AccessDeniedException/,
    );
  });

  it("adds the columns the table lacks with UpdateTable, keeping the rest, and new partitions copy them", async () => {
    // Prepare: the table as infra deployed it (one column, Glue's lowercase), then as updated.
    const deployed = {
      Name: table.name,
      DatabaseName: table.database,
      CreateTime: new Date("2024-01-01T00:00:00Z"),
      TableType: "EXTERNAL_TABLE",
      Parameters: { classification: "parquet" },
      PartitionKeys: [
        { Name: "event_year", Type: "int" },
        { Name: "event_month", Type: "int" },
        { Name: "event_day", Type: "int" },
      ],
      StorageDescriptor: { ...storage, Columns: [{ Name: "carchassis", Type: "string" }] },
    };
    const updated = {
      ...deployed,
      StorageDescriptor: {
        ...deployed.StorageDescriptor,
        Columns: [
          ...deployed.StorageDescriptor.Columns,
          { Name: "note", Type: "string" },
          { Name: "weight_cm", Type: "double" },
        ],
      },
    };
    glue.on(GetTableCommand).resolvesOnce({ Table: deployed }).resolves({ Table: updated });
    glue.on(UpdateTableCommand).resolves({});
    glue.on(BatchGetPartitionCommand).resolves({ Partitions: [] });
    glue.on(BatchCreatePartitionCommand).resolves({});
    const glueTable = catalog();
    const columns = [
      { name: "carChassis", type: "varchar" as const },
      { name: "note", type: "varchar" as const },
      { name: "weight_cm", type: "double" as const },
      { name: "event_day", type: "integer" as const },
    ];
    // Act
    const added = await glueTable.addColumns(table, columns);
    const again = await glueTable.addColumns(table, columns);
    await glueTable.swap(table, [at(1)]);
    // Assess: carChassis matches Glue's lowercase name, a partition key is no data column to add.
    expect(added).toEqual(["note", "weight_cm"]);
    expect(again).toEqual([]);
    const updates = glue.commandCalls(UpdateTableCommand).map((c) => c.args[0].input);
    expect(updates).toEqual([
      {
        DatabaseName: table.database,
        TableInput: {
          Name: table.name,
          TableType: "EXTERNAL_TABLE",
          Parameters: { classification: "parquet" },
          PartitionKeys: deployed.PartitionKeys,
          StorageDescriptor: updated.StorageDescriptor,
        },
      },
    ]);
    const created = glue.commandCalls(BatchCreatePartitionCommand)[0]!.args[0].input.PartitionInputList![0]!;
    expect(created.StorageDescriptor!.Columns).toEqual(updated.StorageDescriptor.Columns);
  });

  it("fails naming the table when Glue refuses the update", async () => {
    // Prepare
    silverTable();
    glue.on(UpdateTableCommand).rejects(new Error("User is not authorized to perform: glue:UpdateTable"));
    // Act + Assess
    const adding = catalog().addColumns(table, [{ name: "note", type: "varchar" }]);
    await expect(adding).rejects.toBeInstanceOf(CatalogError);
    await expect(adding).rejects.toThrow(
      /cannot add columns to medallion_silver.car_telemetry: User is not authorized/,
    );
  });
});
