import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatasetSpec } from "../../src/dataset/spec";
import {
  applySchema,
  latestSchemaVersion,
  markTablesApplied,
  SchemaChangeRefusedError,
  tablesSchemaVersion,
} from "../../src/schema/index";

const v1: DatasetSpec = {
  name: "versions",
  landingPrefix: "versions/",
  fields: [
    { name: "id", type: "string", required: true },
    { name: "n", type: "integer" },
  ],
};

describe("applySchema", () => {
  let dynamo: TestDynamo;
  let table: string;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    table = dynamo.tableName("SchemaVersions");
  });
  afterAll(() => dynamo.close());

  it("records version 1 on the first run, keeps it while the spec is unchanged, and records compatible changes as 2", async () => {
    // Act
    const first = await applySchema({ doc: dynamo.doc, table, spec: v1 });
    const again = await applySchema({ doc: dynamo.doc, table, spec: v1 });
    const widened = await applySchema({
      doc: dynamo.doc,
      table,
      spec: { ...v1, fields: [v1.fields[0]!, { name: "n", type: "double" }] },
    });
    // Assess
    expect([first.version, again.version, widened.version]).toEqual([1, 1, 2]);
    expect(widened.changes).toEqual([
      { class: "compatible", what: "field n", change: "type", old: "integer", new: "double" },
    ]);
    expect(await latestSchemaVersion({ doc: dynamo.doc, table, dataset: "versions" })).toMatchObject({
      version: 2,
      applied_by: "compatible",
    });
  });

  it("refuses an incompatible change without writing, and a rebuild applies it", async () => {
    // Prepare
    const narrowed: DatasetSpec = { ...v1, fields: [v1.fields[0]!, { name: "n", type: "string" }] };
    // Act
    const refused = applySchema({ doc: dynamo.doc, table, spec: narrowed });
    // Assess
    await expect(refused).rejects.toBeInstanceOf(SchemaChangeRefusedError);
    await expect(refused).rejects.toThrow("field n: type, double → string (incompatible)");
    expect((await latestSchemaVersion({ doc: dynamo.doc, table, dataset: "versions" }))?.version).toBe(2);
    const rebuilt = await applySchema({ doc: dynamo.doc, table, spec: narrowed, rebuild: true });
    expect(rebuilt.version).toBe(3);
    expect((await latestSchemaVersion({ doc: dynamo.doc, table, dataset: "versions" }))?.applied_by).toBe("rebuild");
  });

  it("knows the last version applied to the tables, apart from the latest recorded", async () => {
    // Prepare
    const dataset = { ...v1, name: "tables" };
    const store = { doc: dynamo.doc, table, dataset: "tables" };
    await applySchema({ doc: dynamo.doc, table, spec: dataset });
    const before = await tablesSchemaVersion(store);
    // Act
    await markTablesApplied({ ...store, version: 1, now: new Date("2024-01-01T00:00:00Z") });
    await applySchema({
      doc: dynamo.doc,
      table,
      spec: { ...dataset, fields: [...dataset.fields, { name: "m", type: "string" }] },
    });
    await markTablesApplied({ ...store, version: 1, now: new Date("2024-02-01T00:00:00Z") });
    // Assess: version 2 is recorded, the tables are still at 1 (first mark kept), and a missing version is refused.
    expect(before).toBeUndefined();
    expect((await latestSchemaVersion(store))?.version).toBe(2);
    expect(await tablesSchemaVersion(store)).toMatchObject({
      version: 1,
      tables_applied_at: "2024-01-01T00:00:00.000Z",
    });
    await expect(markTablesApplied({ ...store, version: 9 })).rejects.toThrow(/conditional/i);
  });
});
