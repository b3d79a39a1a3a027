import { EntityNotFoundException, GetTableCommand, GlueClient } from "@aws-sdk/client-glue";
import { memoryEngine } from "@medallion/testing/gold";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { engineGoldColumns, glueGoldColumns } from "../../src/gold/catalog";

const glue = mockClient(GlueClient);

describe("glueGoldColumns", () => {
  afterEach(() => glue.reset());

  it("reads each table's columns from Glue, partition keys too, and leaves out a table not created yet", async () => {
    // Prepare: Athena keeps an Iceberg table's columns in its storage descriptor.
    glue
      .on(GetTableCommand, { DatabaseName: "gold", Name: "hub_daily" })
      .resolves({
        Table: {
          Name: "hub_daily",
          StorageDescriptor: { Columns: [{ Name: "hub" }, { Name: "Scans" }] },
          PartitionKeys: [{ Name: "year" }],
        },
      })
      .on(GetTableCommand, { DatabaseName: "gold", Name: "hub_monthly" })
      .rejects(new EntityNotFoundException({ message: "Entity Not Found", $metadata: {} }));
    const read = glueGoldColumns({ glue: new GlueClient({ region: "us-east-1" }), catalogId: "123456789012" });
    // Act
    const columns = await read([
      { database: "gold", name: "hub_daily" },
      { database: "gold", name: "hub_monthly" },
    ]);
    // Assess: Glue keeps names lower-case, as the plan's columns are.
    expect(columns).toEqual({ hub_daily: ["hub", "scans", "year"] });
    expect(glue.commandCalls(GetTableCommand).map((call) => call.args[0].input)).toEqual([
      { CatalogId: "123456789012", DatabaseName: "gold", Name: "hub_daily" },
      { CatalogId: "123456789012", DatabaseName: "gold", Name: "hub_monthly" },
    ]);
  });

  it("fails on any other Glue error, rather than plan as if the table had no column", async () => {
    // Prepare
    glue.on(GetTableCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    // Act
    const read = glueGoldColumns({ glue: new GlueClient({ region: "us-east-1" }) })([{ database: "gold", name: "t" }]);
    // Assess
    await expect(read).rejects.toThrow("Rate exceeded");
  });
});

describe("engineGoldColumns", () => {
  it("reads the tables' columns in table order from DuckDB's catalog, and leaves out a table not created yet", async () => {
    // Prepare
    const engine = await memoryEngine();
    await engine.sql("CREATE SCHEMA gold; CREATE TABLE gold.hub_daily (hub VARCHAR, day DATE, scans BIGINT)");
    await engine.sql("CREATE SCHEMA other; CREATE TABLE other.hub_daily (elsewhere VARCHAR)");
    // Act
    const columns = await engineGoldColumns({ engine })([
      { database: "gold", name: "hub_daily" },
      { database: "gold", name: "hub_monthly" },
    ]);
    // Assess
    expect(columns).toEqual({ hub_daily: ["hub", "day", "scans"] });
    engine.close();
  });
});
