import type { TestDynamo } from "@medallion/testing/dynamo";
import { startTestDynamo } from "@medallion/testing/dynamo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceWatermark, readWatermark } from "../../src/pull/watermark";
import { WatermarkConflictError } from "../../src/sources/errors";

describe("the watermark store", () => {
  let dynamo: TestDynamo;
  let table: string;
  beforeAll(async () => {
    dynamo = await startTestDynamo();
    table = dynamo.tableName("Watermark");
  });
  afterAll(() => dynamo.close());

  it("has no watermark for a source never pulled", async () => {
    expect(await readWatermark({ doc: dynamo.doc, table, source: "never" })).toBeUndefined();
  });

  it("creates the first watermark, then advances it from the value it was read at", async () => {
    // Act
    await advanceWatermark({
      doc: dynamo.doc,
      table,
      source: "api-a",
      expected: undefined,
      to: "2024-05-01T01:00:00.000Z",
      pages: 2,
    });
    await advanceWatermark({
      doc: dynamo.doc,
      table,
      source: "api-a",
      expected: "2024-05-01T01:00:00.000Z",
      to: "2024-05-01T02:00:00.000Z",
      pages: 3,
    });
    // Assess
    expect(await readWatermark({ doc: dynamo.doc, table, source: "api-a" })).toMatchObject({
      source: "api-a",
      watermark: "2024-05-01T02:00:00.000Z",
      pages: 3,
    });
  });

  it("refuses to advance a watermark another run moved since it was read", async () => {
    // Prepare
    await advanceWatermark({
      doc: dynamo.doc,
      table,
      source: "api-b",
      expected: undefined,
      to: "2024-05-01T01:00:00.000Z",
      pages: 1,
    });
    await advanceWatermark({
      doc: dynamo.doc,
      table,
      source: "api-b",
      expected: "2024-05-01T01:00:00.000Z",
      to: "2024-05-01T02:00:00.000Z",
      pages: 1,
    });
    // Act
    const stale = advanceWatermark({
      doc: dynamo.doc,
      table,
      source: "api-b",
      expected: "2024-05-01T01:00:00.000Z",
      to: "2024-05-01T02:00:00.000Z",
      pages: 1,
    });
    const recreate = advanceWatermark({
      doc: dynamo.doc,
      table,
      source: "api-b",
      expected: undefined,
      to: "2024-05-01T01:00:00.000Z",
      pages: 1,
    });
    // Assess
    await expect(stale).rejects.toBeInstanceOf(WatermarkConflictError);
    await expect(recreate).rejects.toThrow(/watermark of source api-b is no longer \(none\)/);
    expect((await readWatermark({ doc: dynamo.doc, table, source: "api-b" }))?.watermark).toBe(
      "2024-05-01T02:00:00.000Z",
    );
  });
});
