import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CongregadoConflictError,
  CongregadoTooLargeError,
  congregadoId,
  contentHash,
  getCongregado,
  saveCongregado,
} from "../../src/congregado/index";
import { DYNAMO_MAX_ITEM_BYTES, itemSize, toStorable } from "../../src/dynamo/item-size";

// Holds every put until `count` of them are waiting, so racing writers both read before either writes.
function putBarrier(doc: DynamoDBDocumentClient, count: number): DynamoDBDocumentClient {
  let waiting = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const send = async (command: unknown) => {
    if (command instanceof PutCommand && waiting < count) {
      if (++waiting === count) release();
      await gate;
    }
    return doc.send(command as never);
  };
  return { send } as unknown as DynamoDBDocumentClient;
}

function wideRecords(count: number, columns: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, row) => {
    const record: Record<string, unknown> = { car_id: `car-${row}`, mileage_km: row * 1.5 };
    for (let column = 0; column < columns; column++) record[`metric_${column}`] = `value-${row}-${column}-padding`;
    return record;
  });
}

describe("saveCongregado", () => {
  let dynamo: TestDynamo;
  let store: { doc: DynamoDBDocumentClient; table: string };

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    store = { doc: dynamo.doc, table: dynamo.tableName("Congregado") };
  });
  afterAll(() => dynamo.close());

  it("stores identical content once, whatever its key order", async () => {
    // Prepare
    const id = congregadoId("gold", "identical");
    const first = [{ car_id: "a", km_per_litre: 12.5, tags: { b: 1, a: 2 } }];
    const reordered = [{ tags: { a: 2, b: 1 }, km_per_litre: 12.5, car_id: "a" }];
    // Act
    const created = await saveCongregado({
      ...store,
      id,
      data: first,
      metadata: { processor_type: "gold", database: "gold", table: "identical" },
    });
    const again = await saveCongregado({ ...store, id, data: reordered });
    // Assess
    expect(created).toMatchObject({ status: "created", version: 1, idempotency_key: contentHash(first) });
    expect(again).toMatchObject({ status: "unchanged", version: 1 });
    const stored = await getCongregado({ ...store, id });
    expect(stored).toMatchObject({
      version: 1,
      record_count: 1,
      sample_size: 1,
      sample_truncated: false,
      metadata: { processor_type: "gold" },
    });
    expect(stored?.sample_data).toEqual(first);
  });

  it("writes changed content as version 2 and keeps its creation time", async () => {
    // Prepare
    const id = congregadoId("gold", "changed");
    let now = Date.parse("2026-11-24T00:00:00Z");
    const clock = () => now;
    await saveCongregado({ ...store, clock, id, data: [{ total: 1 }] });
    // Act
    now += 3_600_000;
    const updated = await saveCongregado({ ...store, clock, id, data: [{ total: 2 }] });
    // Assess
    expect(updated).toMatchObject({ status: "updated", version: 2 });
    const stored = await getCongregado({ ...store, id });
    expect(stored).toMatchObject({
      version: 2,
      sample_data: [{ total: 2 }],
      created_at: "2026-11-24T00:00:00.000Z",
      updated_at: "2026-11-24T01:00:00.000Z",
    });
  });

  it("loses no update when two writers race from version 1: the loser rewrites on fresh state", async () => {
    // Prepare
    const id = congregadoId("gold", "race-retry");
    await saveCongregado({ ...store, id, data: [{ total: 1 }] });
    const racing = { ...store, doc: putBarrier(store.doc, 2) };
    // Act
    const results = await Promise.all([
      saveCongregado({ ...racing, id, data: [{ total: "A" }] }),
      saveCongregado({ ...racing, id, data: [{ total: "B" }] }),
    ]);
    // Assess
    expect(results.map((result) => result.status)).toEqual(["updated", "updated"]);
    expect(results.map((result) => result.version).sort()).toEqual([2, 3]);
    const last = results.find((result) => result.version === 3)!;
    const stored = await getCongregado({ ...store, id });
    expect(stored?.version).toBe(3);
    expect(stored?.idempotency_key).toBe(last.idempotency_key);
  });

  it("reports a lost race instead of overwriting when asked to", async () => {
    // Prepare
    const id = congregadoId("gold", "race-report");
    await saveCongregado({ ...store, id, data: [{ total: 1 }] });
    const racing = { ...store, doc: putBarrier(store.doc, 2), onConflict: "report" as const };
    // Act
    const outcomes = await Promise.allSettled([
      saveCongregado({ ...racing, id, data: [{ total: "A" }] }),
      saveCongregado({ ...racing, id, data: [{ total: "B" }] }),
    ]);
    // Assess
    const won = outcomes.find((outcome) => outcome.status === "fulfilled") as PromiseFulfilledResult<
      Awaited<ReturnType<typeof saveCongregado>>
    >;
    const lost = outcomes.find((outcome) => outcome.status === "rejected") as PromiseRejectedResult;
    expect(won.value.version).toBe(2);
    expect(lost.reason).toBeInstanceOf(CongregadoConflictError);
    expect((lost.reason as CongregadoConflictError).readVersion).toBe(1);
    const stored = await getCongregado({ ...store, id });
    expect(stored).toMatchObject({ version: 2, idempotency_key: won.value.idempotency_key });
  });

  it("keeps a 5,000-record sample of wide rows under 400 KB, flagged as trimmed", async () => {
    // Prepare
    const id = congregadoId("gold", "wide");
    const records = wideRecords(5_000, 40);
    // Act
    const result = await saveCongregado({ ...store, id, data: records, metadata: { origins: ["SoR", "SoT"] } });
    // Assess
    const stored = (await getCongregado({ ...store, id }))!;
    expect(result).toMatchObject({ status: "created", sample_truncated: true });
    expect(stored.record_count).toBe(5_000);
    expect(stored.sample_size).toBe(stored.sample_data.length);
    expect(stored.sample_size).toBeGreaterThan(100);
    expect(stored.sample_size).toBeLessThan(1_000);
    expect(stored.sample_data).toEqual(records.slice(0, stored.sample_size));
    expect(itemSize(stored as unknown as Record<string, unknown>)).toBeLessThan(DYNAMO_MAX_ITEM_BYTES);
    const withOneMore = { ...stored, sample_data: [...stored.sample_data, toStorable(records[stored.sample_size])] };
    expect(itemSize(withOneMore as unknown as Record<string, unknown>)).toBeGreaterThan(400_000);
  });

  it("keeps at most sampleLimit records, untrimmed when they fit", async () => {
    // Prepare
    const id = congregadoId("gold", "limited");
    const records = Array.from({ length: 1_500 }, (_, index) => ({ n: index }));
    // Act
    const result = await saveCongregado({ ...store, id, data: records });
    // Assess
    expect(result).toMatchObject({ sample_size: 1_000, sample_truncated: false });
    expect((await getCongregado({ ...store, id }))?.sample_data.at(-1)).toEqual({ n: 999 });
  });

  it("stores Parquet-style values (bigints, dates) readably, hashing bigints like numbers", async () => {
    // Prepare
    const id = congregadoId("gold", "parquet-values");
    const records = [{ count: 12n, huge: 2n ** 70n, day: new Date("2026-11-23T00:00:00Z"), missing: undefined }];
    // Act
    await saveCongregado({ ...store, id, data: records });
    const again = await saveCongregado({
      ...store,
      id,
      data: [{ count: 12, huge: 2n ** 70n, day: new Date("2026-11-23T00:00:00Z") }],
    });
    // Assess
    expect((await getCongregado({ ...store, id }))?.sample_data).toEqual([
      { count: 12, huge: 2n ** 70n, day: "2026-11-23T00:00:00.000Z" },
    ]);
    expect(again.status).toBe("unchanged");
  });

  it("rejects an item whose metadata alone exceeds the size budget, naming the congregado", async () => {
    // Prepare
    const id = congregadoId("gold", "too-large");
    // Act
    const thrown = await saveCongregado({
      ...store,
      id,
      data: [{ a: 1 }],
      metadata: { notes: "x".repeat(450_000) },
    }).catch((error: unknown) => error);
    // Assess
    expect(thrown).toBeInstanceOf(CongregadoTooLargeError);
    expect((thrown as Error).message).toContain("gold_too-large");
    expect(await getCongregado({ ...store, id })).toBeUndefined();
  });

  it("stores and reads back exactly numbers beyond 2^53: 2^63 (9223372036854775808), 1.23e29, a 38-digit bigint", async () => {
    // Prepare: gold rows as the engine returns them (doubles and BIGINT/HUGEINT bigints)
    const id = congregadoId("gold", "huge_numbers");
    const data = [
      { car: "A", last_mileage: 2 ** 63, total: 2n ** 70n },
      { car: "B", last_mileage: 1.23e29, total: 12345678901234567890123456789012345678n },
      { car: "C", last_mileage: -(2 ** 53) - 2, total: 10n ** 40n + 1n },
    ];
    // Act
    const saved = await saveCongregado({ ...store, id, data });
    const again = await saveCongregado({ ...store, id, data });
    const stored = await getCongregado({ ...store, id });
    // Assess: doubles read back as the same doubles, integers a number cannot hold as exact bigints
    expect(saved.status).toBe("created");
    expect(again.status).toBe("unchanged");
    expect(stored!.sample_data).toEqual([
      { car: "A", last_mileage: BigInt(String(2 ** 63)), total: 2n ** 70n },
      { car: "B", last_mileage: 123000000000000000000000000000n, total: 12345678901234567890123456789012345678n },
      // DynamoDB holds 38 significant digits: 10^40 + 1 (41) is kept as its decimal text.
      { car: "C", last_mileage: -9007199254740994n, total: (10n ** 40n + 1n).toString() },
    ]);
  });
});
