import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import type { FixtureApi } from "@medallion/testing/fixture-api";
import { fixtureSource, readings, startFixtureApi } from "@medallion/testing/fixture-api";
import type { TestLake } from "@medallion/testing/lake";
import { startTestLake } from "@medallion/testing/lake";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PullOptions } from "../../src/pull/pull";
import { pullSource } from "../../src/pull/pull";
import { readWatermark } from "../../src/pull/watermark";
import { HttpClientError, PageCapError, SourcePullError, SourceSpecError } from "../../src/sources/errors";
import type { HttpApiSource } from "../../src/sources/spec";

describe("pullSource", () => {
  let lake: TestLake;
  let api: FixtureApi;
  // Three readings per hour from 00:00 to 03:00: two pages (of 2) per hourly window.
  const records = readings({ from: "2024-05-01T00:00:00Z", hours: 3, count: 9 });
  const inHour = (hour: number) => records.filter((record) => new Date(record.metricTimestamp).getUTCHours() === hour);

  beforeAll(async () => {
    lake = await startTestLake();
    api = await startFixtureApi({ records, pageSize: 2, token: "t0ken" });
  });
  afterAll(async () => {
    await api.close();
    await lake.close();
  });

  const pull = (source: HttpApiSource, options: Partial<PullOptions> = {}) =>
    pullSource({
      source,
      s3: lake.s3,
      doc: lake.doc,
      watermarkTable: lake.names.Watermark!,
      landingBucket: lake.names.Landing!,
      secret: "t0ken",
      now: new Date("2024-05-01T02:10:00Z"),
      sleep: async () => {},
      ...options,
    });
  const authed = (source: HttpApiSource): HttpApiSource => ({
    ...source,
    auth: { header: "Authorization", scheme: "Bearer", secret: "FixtureToken" },
  });
  const watermarkOf = async (source: HttpApiSource) =>
    (await readWatermark({ doc: lake.doc, table: lake.names.Watermark!, source: source.name }))?.watermark;
  const body = async (key: string) =>
    JSON.parse(
      await (
        await lake.s3.send(new GetObjectCommand({ Bucket: lake.names.Landing, Key: key }))
      ).Body!.transformToString(),
    ) as unknown[];
  const etag = async (key: string) =>
    (await lake.s3.send(new HeadObjectCommand({ Bucket: lake.names.Landing, Key: key }))).ETag;

  it.each(["page", "cursor", "nextLink", "link"] as const)(
    "pulls every complete hour since the watermark through %s pagination, page by page, then advances the watermark",
    async (style) => {
      // Prepare
      const source = authed(fixtureSource(api.origin, style, { name: `style-${style.toLowerCase()}` }));
      // Act
      const result = await pull(source);
      // Assess
      const prefix = `car_telemetry/_api/${source.name}/`;
      expect(await lake.keys("Landing", prefix)).toEqual([
        `${prefix}20240501T0000Z_20240501T0100Z/page-0001.json`,
        `${prefix}20240501T0000Z_20240501T0100Z/page-0002.json`,
        `${prefix}20240501T0100Z_20240501T0200Z/page-0001.json`,
        `${prefix}20240501T0100Z_20240501T0200Z/page-0002.json`,
      ]);
      expect(await body(`${prefix}20240501T0100Z_20240501T0200Z/page-0001.json`)).toEqual(inHour(1).slice(0, 2));
      expect(await body(`${prefix}20240501T0100Z_20240501T0200Z/page-0002.json`)).toEqual(inHour(1).slice(2));
      expect(result).toMatchObject({
        watermarkBefore: "2024-05-01T00:00:00.000Z",
        watermarkAfter: "2024-05-01T02:00:00.000Z",
        records: 6,
        capped: false,
      });
      expect(await watermarkOf(source)).toBe("2024-05-01T02:00:00.000Z");
    },
  );

  it("sends the secret only in the auth header", async () => {
    // Prepare
    const source = authed(fixtureSource(api.origin, "cursor", { name: "secret-header" }));
    api.requests.length = 0;
    // Act
    await pull(source, { now: new Date("2024-05-01T01:00:00Z") });
    // Assess
    expect(api.requests.length).toBeGreaterThan(0);
    for (const request of api.requests) {
      expect(request.headers.authorization).toBe("Bearer t0ken");
      expect(request.url.toString()).not.toContain("t0ken");
    }
  });

  it("leaves the watermark after the last complete window when a page fails mid-way, and the retry rewrites the same keys with the same bytes", async () => {
    // Prepare: the second page of hour 01 keeps failing for this run (3 attempts).
    const source = authed(fixtureSource(api.origin, "cursor", { name: "fails-midway" }));
    const secondPageOfHour1 = (url: URL) =>
      url.searchParams.get("since") === "2024-05-01T01:00:00Z" && url.searchParams.has("cursor");
    api.failWhen({ match: secondPageOfHour1, times: 3, status: 500 });
    // Act
    const failed = await pull(source).catch((error: unknown) => error);
    const keysAfterFailure = await lake.keys("Landing", `car_telemetry/_api/${source.name}/`);
    const partialPage = `car_telemetry/_api/${source.name}/20240501T0100Z_20240501T0200Z/page-0001.json`;
    const partialEtag = await etag(partialPage);
    const watermarkAfterFailure = await watermarkOf(source);
    const retried = await pull(source);
    // Assess
    expect(failed).toBeInstanceOf(SourcePullError);
    expect((failed as Error).message).toMatch(
      /window 20240501T0100Z_20240501T0200Z failed \(watermark left at 2024-05-01T01:00:00.000Z\).*HTTP 500/,
    );
    expect(keysAfterFailure).toHaveLength(3);
    expect(watermarkAfterFailure).toBe("2024-05-01T01:00:00.000Z");
    expect(retried).toMatchObject({
      watermarkBefore: "2024-05-01T01:00:00.000Z",
      watermarkAfter: "2024-05-01T02:00:00.000Z",
      records: 3,
    });
    expect(await lake.keys("Landing", `car_telemetry/_api/${source.name}/`)).toHaveLength(4);
    expect(await etag(partialPage)).toBe(partialEtag);
  });

  it("fails on a 401 with an error naming the URL and status, without the token, and creates no watermark", async () => {
    // Prepare
    const source = authed(fixtureSource(api.origin, "page", { name: "unauthorised" }));
    // Act
    const error = await pull(source, { secret: "expired-token" }).catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(SourcePullError);
    expect((error as Error).cause).toBeInstanceOf(HttpClientError);
    expect((error as Error).message).toContain(`GET ${api.origin}/page?since=2024-05-01T00%3A00%3A00Z`);
    expect((error as Error).message).toContain("HTTP 401");
    expect((error as Error).message).not.toContain("expired-token");
    expect(await watermarkOf(source)).toBeUndefined();
  });

  it("stops at the page cap and advances only to the last complete window; the next run goes on from there", async () => {
    // Prepare: 2 pages per window, 3 allowed per run.
    const source = authed(fixtureSource(api.origin, "page", { name: "capped", maxPagesPerRun: 3 }));
    const now = new Date("2024-05-01T03:10:00Z");
    // Act
    const first = await pull(source, { now });
    const second = await pull(source, { now });
    const third = await pull(source, { now });
    // Assess
    expect(first).toMatchObject({
      capped: true,
      stopReason: "pageCap",
      pages: 3,
      watermarkAfter: "2024-05-01T01:00:00.000Z",
    });
    expect(first.windows.map((window) => window.from)).toEqual(["2024-05-01T00:00:00.000Z"]);
    expect(second).toMatchObject({
      capped: true,
      watermarkBefore: "2024-05-01T01:00:00.000Z",
      watermarkAfter: "2024-05-01T02:00:00.000Z",
    });
    expect(third).toMatchObject({
      capped: false,
      pages: 2,
      watermarkBefore: "2024-05-01T02:00:00.000Z",
      watermarkAfter: "2024-05-01T03:00:00.000Z",
    });
    expect(await watermarkOf(source)).toBe("2024-05-01T03:00:00.000Z");
  });

  it("throws PageCapError when a single window has more pages than the cap", async () => {
    // Prepare
    const source = authed(fixtureSource(api.origin, "page", { name: "window-too-big", maxPagesPerRun: 1 }));
    // Act
    const error = await pull(source).catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(PageCapError);
    expect(await watermarkOf(source)).toBeUndefined();
  });

  it("re-pulls D-1 on the daily run with the hourly runs' keys, and moves a watermark inside D-1 to its end", async () => {
    // Prepare: hourly runs reached 01:00 on D-1.
    const source = authed(fixtureSource(api.origin, "nextLink", { name: "daily" }));
    await pull(source, { now: new Date("2024-05-01T01:30:00Z") });
    const hour0Page1 = `car_telemetry/_api/${source.name}/20240501T0000Z_20240501T0100Z/page-0001.json`;
    const before = await etag(hour0Page1);
    // Act
    const daily = await pull(source, { mode: "daily", now: new Date("2024-05-02T02:00:00Z") });
    // Assess
    expect(daily.windows).toHaveLength(24);
    expect(daily).toMatchObject({
      mode: "daily",
      records: 9,
      watermarkBefore: "2024-05-01T01:00:00.000Z",
      watermarkAfter: "2024-05-02T00:00:00.000Z",
    });
    expect(await etag(hour0Page1)).toBe(before);
    expect(await lake.keys("Landing", `car_telemetry/_api/${source.name}/`)).toHaveLength(6);
  });

  it("does not move a watermark behind D-1 on the daily run, so the gap is still pulled hourly", async () => {
    // Prepare
    const source = authed(
      fixtureSource(api.origin, "cursor", {
        name: "daily-gap",
        window: { ...fixtureSource(api.origin, "cursor").window, start: "2024-04-29T00:00:00Z" },
      }),
    );
    // Act
    const daily = await pull(source, { mode: "daily", now: new Date("2024-05-02T02:00:00Z") });
    // Assess
    expect(daily.records).toBe(9);
    expect(daily.watermarkAfter).toBe("2024-04-29T00:00:00.000Z");
    expect(await watermarkOf(source)).toBeUndefined();
  });

  it("requests no page after stopAt and leaves the watermark, reporting the deadline", async () => {
    // Prepare
    const source = authed(fixtureSource(api.origin, "page", { name: "deadline" }));
    // Act
    const result = await pull(source, { stopAt: new Date(Date.now() - 1) });
    // Assess
    expect(result).toMatchObject({
      capped: true,
      stopReason: "deadline",
      pages: 0,
      windows: [],
      watermarkAfter: "2024-05-01T00:00:00.000Z",
    });
    expect(await watermarkOf(source)).toBeUndefined();
  });

  it("refuses to run a source with auth when no secret value is given", async () => {
    // Prepare
    const source = authed(fixtureSource(api.origin, "page", { name: "no-secret" }));
    // Act + Assess
    await expect(pull(source, { secret: undefined })).rejects.toThrow(SourceSpecError);
  });
});
