import { ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CongregadoInput } from "../../src/congregado/index";
import {
  batchSaveCongregados,
  CongregadoTooLargeError,
  getCongregado,
  isRetryable,
  listCongregados,
} from "../../src/congregado/index";
import { StoreRequestError } from "../../src/dynamo/errors";

// Throttles the first put of the given id once, as DynamoDB does under load.
function throttleOnce(doc: DynamoDBDocumentClient, id: string): DynamoDBDocumentClient {
  let throttled = false;
  const send = async (command: unknown) => {
    if (!throttled && command instanceof PutCommand && command.input.Item?.id === id) {
      throttled = true;
      throw new ProvisionedThroughputExceededException({ message: "Rate exceeded", $metadata: {} });
    }
    return doc.send(command as never);
  };
  return { send } as unknown as DynamoDBDocumentClient;
}

describe("batchSaveCongregados", () => {
  let dynamo: TestDynamo;
  let store: { doc: DynamoDBDocumentClient; table: string };

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    store = { doc: dynamo.doc, table: dynamo.tableName("Congregado") };
  });
  afterAll(() => dynamo.close());

  it("saves a batch of 250 and reports the one failing item by id, in input order", async () => {
    // Prepare
    const items: CongregadoInput[] = Array.from({ length: 250 }, (_, index) => ({
      id: `gold_table_${index}`,
      data: [{ index, total: index * 10 }],
      metadata: { processor_type: "gold", database: "gold", table: `table_${index}` },
    }));
    items[137] = { ...items[137]!, metadata: { notes: "x".repeat(450_000) } };
    // Act
    const results = await batchSaveCongregados({ ...store, items });
    // Assess
    expect(results).toHaveLength(250);
    expect(results.map((result) => result.id)).toEqual(items.map((item) => item.id));
    const failures = results.filter((result) => !result.ok);
    expect(failures).toEqual([
      {
        ok: false,
        id: "gold_table_137",
        attempts: 1,
        retryable: false,
        error: { name: "CongregadoTooLargeError", message: expect.stringContaining("gold_table_137") },
      },
    ]);
    expect(results.filter((result) => result.ok && result.status === "created")).toHaveLength(249);
    const stored = await listCongregados(store);
    expect(stored.filter((item) => item.id.startsWith("gold_table_"))).toHaveLength(249);
    expect(await getCongregado({ ...store, id: "gold_table_249" })).toMatchObject({
      version: 1,
      sample_data: [{ index: 249, total: 2490 }],
    });
  });

  it("writes nothing for content already stored, and bumps only what changed", async () => {
    // Prepare
    const items: CongregadoInput[] = Array.from({ length: 5 }, (_, index) => ({
      id: `gold_again_${index}`,
      data: [{ index }],
    }));
    await batchSaveCongregados({ ...store, items });
    const changed = items.map((item, index) => (index === 2 ? { ...item, data: [{ index, revised: true }] } : item));
    // Act
    const results = await batchSaveCongregados({ ...store, items: changed });
    // Assess
    expect(results.map((result) => (result.ok ? `${result.status}@${result.version}` : "failed"))).toEqual([
      "unchanged@1",
      "unchanged@1",
      "updated@2",
      "unchanged@1",
      "unchanged@1",
    ]);
  });

  it("retries an item DynamoDB throttled, and saves it", async () => {
    // Prepare
    const items: CongregadoInput[] = [
      { id: "gold_throttled", data: [{ a: 1 }] },
      { id: "gold_fine", data: [{ b: 2 }] },
    ];
    // Act
    const results = await batchSaveCongregados({
      ...store,
      doc: throttleOnce(store.doc, "gold_throttled"),
      items,
      baseDelayMs: 1,
    });
    // Assess
    expect(results).toMatchObject([
      { ok: true, id: "gold_throttled", status: "created", attempts: 2 },
      { ok: true, id: "gold_fine", status: "created", attempts: 1 },
    ]);
    expect(await getCongregado({ ...store, id: "gold_throttled" })).toMatchObject({ version: 1 });
  });

  it("tells retryable failures (throttling, 5xx, lost races) from permanent ones, through causes", () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} });
    const wrapped = new StoreRequestError("cannot write congregado x", "table", "x", { cause: throttled });
    const serverError = Object.assign(new Error("boom"), {
      name: "InternalFailure",
      $metadata: { httpStatusCode: 500 },
    });
    // Act
    const verdicts = [
      isRetryable(wrapped),
      isRetryable(serverError),
      isRetryable(new CongregadoTooLargeError("x", 1, 0)),
      isRetryable("nope"),
    ];
    // Assess
    expect(verdicts).toEqual([true, true, false, false]);
  });
});
