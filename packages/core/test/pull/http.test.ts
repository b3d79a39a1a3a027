import type { FixtureApi } from "@medallion/testing/fixture-api";
import { startFixtureApi } from "@medallion/testing/fixture-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getJson } from "../../src/pull/http";
import { HttpClientError, HttpRetryExhaustedError, InvalidResponseError } from "../../src/sources/errors";

describe("getJson against a loopback API", () => {
  let api: FixtureApi;
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  const window = "since=2024-05-01T00:00:00Z&until=2024-05-01T01:00:00Z";
  const records = [{ carChassis: "CAR1", currentMileage: 1, metricTimestamp: "2024-05-01T00:10:00.000Z" }];

  beforeAll(async () => {
    api = await startFixtureApi({ records, token: "s3cr3t-token" });
  });
  afterAll(() => api.close());
  afterEach(() => {
    waits.length = 0;
    api.requests.length = 0;
  });
  const get = (path: string, options: { attempts?: number; timeoutMs?: number; maxDelayMs?: number } = {}) =>
    getJson({
      url: `${api.origin}${path}`,
      headers: { Authorization: "Bearer s3cr3t-token" },
      fetch,
      timeoutMs: options.timeoutMs ?? 2000,
      retry: { attempts: options.attempts ?? 4, baseDelayMs: 100, maxDelayMs: options.maxDelayMs ?? 10_000 },
      sleep,
      random: () => 1,
    });

  it("retries 500s with exponential backoff and returns the page once the API recovers", async () => {
    // Prepare
    api.failWhen({ match: (url) => url.pathname === "/link", times: 2, status: 500 });
    // Act
    const response = await get(`/link?${window}`);
    // Assess
    expect(response.body).toEqual(records);
    expect(response.attempts).toBe(3);
    expect(waits).toEqual([100, 200]);
  });

  it("honours Retry-After in seconds on a 429", async () => {
    // Prepare
    api.failWhen({ match: (url) => url.pathname === "/link", times: 1, status: 429, headers: { "retry-after": "2" } });
    // Act
    const response = await get(`/link?${window}`);
    // Assess
    expect(response.body).toEqual(records);
    expect(waits).toEqual([2000]);
  });

  it("honours Retry-After given as an HTTP date", async () => {
    // Prepare
    const at = new Date(Date.now() + 5000);
    api.failWhen({
      match: (url) => url.pathname === "/link",
      times: 1,
      status: 503,
      headers: { "retry-after": at.toUTCString() },
    });
    // Act
    await get(`/link?${window}`);
    // Assess
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(3000);
    expect(waits[0]).toBeLessThanOrEqual(5000);
  });

  it("fails at once, naming the URL and status, on a 401", async () => {
    // Act
    const request = getJson({
      url: `${api.origin}/link?${window}`,
      headers: { Authorization: "Bearer wrong" },
      fetch,
      timeoutMs: 2000,
      sleep,
    });
    // Assess
    const error = await request.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpClientError);
    expect((error as HttpClientError).status).toBe(401);
    expect((error as Error).message).toContain(`GET ${api.origin}/link?${window} answered HTTP 401`);
    expect((error as Error).message).not.toContain("wrong");
    expect(api.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("keeps the auth value out of the error when the API echoes it back", async () => {
    // Prepare
    api.failWhen({
      match: () => true,
      times: 1,
      status: 403,
      body: "forbidden for Authorization: Bearer s3cr3t-token",
    });
    // Act
    const error = await get(`/link?${window}`).catch((caught: unknown) => caught);
    // Assess
    expect((error as Error).message).toContain("HTTP 403: forbidden for Authorization: ***");
    expect((error as Error).message).not.toContain("s3cr3t-token");
  });

  it("names the network failure when nothing listens", async () => {
    // Prepare: a port that was just free.
    const closed = await startFixtureApi();
    await closed.close();
    // Act
    const error = await getJson({
      url: `${closed.origin}/link`,
      headers: {},
      fetch,
      timeoutMs: 1000,
      retry: { attempts: 2, baseDelayMs: 1 },
      sleep,
    }).catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(HttpRetryExhaustedError);
    expect((error as Error).message).toContain("ECONNREFUSED");
  });

  it("gives up after the policy's attempts, with the last status in the message", async () => {
    // Prepare
    api.failWhen({ match: () => true, times: 3, status: 502, body: "bad gateway" });
    // Act
    const error = await get(`/link?${window}`, { attempts: 3 }).catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(HttpRetryExhaustedError);
    expect((error as Error).message).toMatch(/failed after 3 attempt\(s\); last: HTTP 502: bad gateway/);
    expect(api.requests).toHaveLength(3);
  });

  it("refuses to wait longer than the policy allows when Retry-After asks for more", async () => {
    // Prepare
    api.failWhen({ match: () => true, times: 1, status: 429, headers: { "retry-after": "3600" } });
    // Act
    const error = await get(`/link?${window}`, { maxDelayMs: 5000 }).catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(HttpRetryExhaustedError);
    expect((error as Error).message).toContain("Retry-After 3600 s");
    expect(waits).toEqual([]);
  });

  it("times a stalled request out and retries it", async () => {
    // Prepare
    api.failWhen({ match: () => true, times: 1, delayMs: 10_000 });
    // Act
    const response = await get(`/link?${window}`, { timeoutMs: 500 });
    // Assess
    expect(response.body).toEqual(records);
    expect(response.attempts).toBe(2);
  });

  it("rejects a response that is not JSON, naming the URL", async () => {
    // Prepare
    api.failWhen({ match: () => true, times: 1, status: 200, body: "<html>maintenance</html>" });
    // Act
    const error = await get(`/link?${window}`).catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toContain(`${api.origin}/link`);
    expect((error as Error).message).toContain("not JSON");
  });
});
