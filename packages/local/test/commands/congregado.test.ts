import { saveCongregado } from "@medallion/core/congregado";
import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { congregadoCommand } from "../../src/commands/congregado";

describe("medallion congregado", () => {
  let dynamo: TestDynamo;
  let store: { doc: TestDynamo["doc"]; table: string };
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    store = { doc: dynamo.doc, table: dynamo.tableName("Congregado") };
  });
  afterAll(() => dynamo.close());

  it("says so when nothing is stored", async () => {
    // Act
    const text = await congregadoCommand({ ...store, json: false });
    // Assess
    expect(text).toBe("No congregados yet.");
  });

  it("lists aggregates by id with version, records and sample, without the sample data", async () => {
    // Prepare
    await saveCongregado({
      ...store,
      id: "gold_b",
      data: [{ n: 1 }],
      metadata: { processor_type: "gold-merge", origins: ["silver.a", "silver.b"] },
    });
    await saveCongregado({ ...store, id: "gold_a", data: [{ n: 1 }, { n: 2 }] });
    await saveCongregado({ ...store, id: "gold_a", data: [{ n: 1 }, { n: 3 }] });
    // Act
    const text = await congregadoCommand({ ...store, json: false });
    const json = JSON.parse(await congregadoCommand({ ...store, json: true })) as Record<string, unknown>[];
    // Assess
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^ID\s+VERSION\s+RECORDS\s+SAMPLE/);
    expect(lines[1]).toMatch(/^gold_a\s+2\s+2\s+2\s/);
    expect(lines[2]).toMatch(/^gold_b\s+1\s+1\s+1\s.*gold-merge\s+silver\.a,silver\.b/);
    expect(json.map((item) => item.id)).toEqual(["gold_a", "gold_b"]);
    expect(json[0]).not.toHaveProperty("sample_data");
  });

  it("shows one aggregate with the start of its sample, or all of it as JSON", async () => {
    // Prepare
    const data = Array.from({ length: 8 }, (_, n) => ({ car_id: `CAR${n}`, km: n }));
    await saveCongregado({
      ...store,
      id: "gold_detail",
      data,
      metadata: { database: "gold", table: "detail", processor_type: "gold-merge" },
    });
    // Act
    const text = await congregadoCommand({ ...store, json: false, id: "gold_detail", sampleRows: 2 });
    const json = JSON.parse(await congregadoCommand({ ...store, json: true, id: "gold_detail" })) as {
      sample_data: unknown[];
    };
    const missing = await congregadoCommand({ ...store, json: false, id: "gold_nope" });
    // Assess
    expect(text).toContain("congregado gold_detail");
    expect(text).toContain("source     gold.detail   processor gold-merge");
    expect(text).toContain('{"car_id":"CAR1","km":1}');
    expect(text).not.toContain("CAR2");
    expect(text).toContain("… 6 more in the sample");
    expect(json.sample_data).toEqual(data);
    expect(missing).toBe('No congregado with id "gold_nope".');
  });
});
