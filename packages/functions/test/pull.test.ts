import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { lambdaContext } from "@medallion/local/lambda-context";
import type { FixtureApi } from "@medallion/testing/fixture-api";
import { fixtureSource, readings, startFixtureApi } from "@medallion/testing/fixture-api";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("pull handler", () => {
  let lake: TestLake;
  let api: FixtureApi;
  let pullHandler: typeof import("../src/pull").pullHandler;
  const secretName = "FixtureApiToken";

  beforeAll(async () => {
    lake = await startTestLake({ applyEnv: true });
    // What `sst dev` / the Lambda runtime set for a linked sst.Secret.
    process.env[`SST_RESOURCE_${secretName}`] = JSON.stringify({ type: "sst.sst.Secret", value: "handler-t0ken" });
    api = await startFixtureApi({
      records: readings({ from: "2024-05-01T00:00:00Z", hours: 2, count: 6 }),
      pageSize: 2,
      token: "handler-t0ken",
    });
    ({ pullHandler } = await import("../src/pull"));
  });
  afterAll(async () => {
    await api.close();
    await lake.close();
  });

  const source = () => ({
    ...fixtureSource(api.origin, "cursor", { name: "handler-api" }),
    auth: { header: "Authorization", scheme: "Bearer", secret: secretName },
  });

  it("pulls the hours since the watermark with the linked secret, writes pages to landing and advances the watermark", async () => {
    // Prepare
    const handler = pullHandler({ sources: { "handler-api": source() } });
    // Act
    const result = await handler({ source: "handler-api", time: "2024-05-01T02:05:00Z" }, lambdaContext("pull"));
    // Assess
    expect(result).toMatchObject({ mode: "hourly", records: 6, watermarkAfter: "2024-05-01T02:00:00.000Z" });
    expect(await lake.keys("Landing", "car_telemetry/_api/handler-api/")).toHaveLength(4);
    const { Item } = await lake.doc.send(
      new GetCommand({ TableName: lake.names.Watermark, Key: { source: "handler-api" } }),
    );
    expect(Item).toMatchObject({ watermark: "2024-05-01T02:00:00.000Z" });
  });

  it("runs the daily window as D-1 of the trigger time", async () => {
    // Prepare
    const handler = pullHandler({ sources: { "handler-api": source() } });
    // Act
    const result = await handler(
      { source: "handler-api", window: "daily", time: "2024-05-02T02:00:00Z" },
      lambdaContext("pull"),
    );
    // Assess
    expect(result.mode).toBe("daily");
    expect(result.windows).toHaveLength(24);
    expect(result.windows[0]?.from).toBe("2024-05-01T00:00:00.000Z");
  });

  it("fails with a clear error for a source it does not know", async () => {
    // Prepare
    const handler = pullHandler({ sources: { "handler-api": source() } });
    // Act + Assess
    await expect(handler({ source: "nope" }, lambdaContext("pull"))).rejects.toThrow(
      'unknown source "nope"; known: handler-api',
    );
  });

  it("fails naming the secret when it is not linked", async () => {
    // Prepare
    const unlinked = { ...source(), name: "unlinked", auth: { header: "Authorization", secret: "NotLinkedToken" } };
    const handler = pullHandler({ sources: { unlinked } });
    // Act + Assess
    await expect(handler({ source: "unlinked" }, lambdaContext("pull"))).rejects.toThrow(
      /Resource NotLinkedToken is not linked/,
    );
  });

  it("rejects an event with an unknown window kind, naming the field", async () => {
    // Prepare
    const handler = pullHandler({ sources: {} });
    // Act + Assess
    await expect(handler({ source: "x", window: "weekly" }, lambdaContext("pull"))).rejects.toThrow(/window/);
  });
});
