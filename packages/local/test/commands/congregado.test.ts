import { saveCongregado } from "@medallion/core/congregado";
import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { congregadoCommand, congregadoText } from "../../src/commands/congregado";

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
    const found = await congregadoCommand(store);
    // Assess
    expect(found).toEqual({ congregados: [], error: null });
    expect(congregadoText(found)).toBe("No congregados yet.");
  });

  it("lists aggregates by id with version, records and sample size, in camelCase and without the samples", async () => {
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
    const found = await congregadoCommand(store);
    const lines = congregadoText(found).split("\n");
    // Assess
    expect(lines[0]).toMatch(/^ID\s+VERSION\s+RECORDS\s+SAMPLE\s+UPDATED \(UTC\)/);
    expect(lines[1]).toMatch(/^gold_a\s+2\s+2\s+2\s/);
    expect(lines[2]).toMatch(/^gold_b\s+1\s+1\s+1\s.*gold-merge\s+silver\.a,silver\.b/);
    if (!("congregados" in found)) throw new Error("expected a list");
    expect(found.congregados.map((item) => item.id)).toEqual(["gold_a", "gold_b"]);
    expect(found.congregados[1]).toMatchObject({
      version: 1,
      recordCount: 1,
      processor: "gold-merge",
      origins: ["silver.a", "silver.b"],
      metadata: { processorType: "gold-merge", origins: ["silver.a", "silver.b"] },
    });
    expect(found.congregados[0]).not.toHaveProperty("sample");
  });

  it("shows one aggregate with the start of its sample (all of it in JSON, records' keys as they are), or says it is not there", async () => {
    // Prepare
    const data = Array.from({ length: 8 }, (_, n) => ({ car_id: `CAR${n}`, km: n }));
    await saveCongregado({
      ...store,
      id: "gold_detail",
      data,
      metadata: { database: "gold", table: "detail", processor_type: "gold-merge" },
    });
    // Act
    const found = await congregadoCommand({ ...store, id: "gold_detail" });
    const text = congregadoText(found, { sampleRows: 2 });
    const missing = await congregadoCommand({ ...store, id: "gold_nope" });
    // Assess
    expect(text).toContain("congregado gold_detail");
    expect(text).toContain("source     gold.detail   processor gold-merge");
    expect(text).toContain('{"car_id":"CAR1","km":1}');
    expect(text).not.toContain("CAR2");
    expect(text).toContain("… 6 more in the sample");
    expect(found).toMatchObject({ congregado: { id: "gold_detail", database: "gold", sample: data }, error: null });
    expect(missing).toEqual({
      congregado: null,
      error: { name: "CongregadoNotFound", message: 'no congregado with id "gold_nope"' },
    });
  });
});
