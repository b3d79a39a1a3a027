import { fixtureSource } from "@medallion/testing/fixture-api";
import { describe, expect, it } from "vitest";
import type { JsonResponse } from "../../src/pull/http";
import { firstPageUrl, nextPageUrl, pageRecords } from "../../src/pull/pagination";
import { InvalidResponseError } from "../../src/sources/errors";

const origin = "http://127.0.0.1:9";
const window = { from: "2024-05-01T10:00:00.000Z", to: "2024-05-01T11:00:00.000Z" };
const response = (body: unknown, headers: Record<string, string> = {}): JsonResponse => ({
  body,
  headers: new Headers(headers),
  attempts: 1,
});

describe("firstPageUrl", () => {
  it("adds the window bounds, the first page and the page size to the endpoint's own query", () => {
    // Prepare
    const source = fixtureSource(origin, "page", { endpoint: `${origin}/page?fields=all` });
    // Act
    const url = new URL(firstPageUrl(source, window));
    // Assess
    expect(Object.fromEntries(url.searchParams)).toEqual({
      fields: "all",
      since: "2024-05-01T10:00:00Z",
      until: "2024-05-01T11:00:00Z",
      page: "1",
      per_page: "2",
    });
  });
});

describe("nextPageUrl", () => {
  it("asks for the next page number after a full page, and stops after a short one", () => {
    // Prepare
    const source = fixtureSource(origin, "page");
    const current = { url: firstPageUrl(source, window), page: 1 };
    // Act
    const next = nextPageUrl(source, window, current, response({}), [{}, {}]);
    const after = nextPageUrl(source, window, current, response({}), [{}]);
    // Assess
    expect(new URL(next!).searchParams.get("page")).toBe("2");
    expect(after).toBeUndefined();
  });

  it("sends the response's cursor back with the window, and stops on a null cursor", () => {
    // Prepare
    const source = fixtureSource(origin, "cursor");
    const current = { url: firstPageUrl(source, window), page: 1 };
    // Act
    const next = nextPageUrl(source, window, current, response({ meta: { next_cursor: "abc" } }), [{}]);
    const last = nextPageUrl(source, window, current, response({ meta: { next_cursor: null } }), [{}]);
    // Assess
    expect(new URL(next!).searchParams.get("cursor")).toBe("abc");
    expect(new URL(next!).searchParams.get("since")).toBe("2024-05-01T10:00:00Z");
    expect(last).toBeUndefined();
  });

  it("refuses a cursor equal to the one just sent", () => {
    // Prepare
    const source = fixtureSource(origin, "cursor");
    const current = { url: `${firstPageUrl(source, window)}&cursor=abc`, page: 2 };
    // Act + Assess
    expect(() => nextPageUrl(source, window, current, response({ meta: { next_cursor: "abc" } }), [{}])).toThrow(
      /endless walk/,
    );
  });

  it("follows a relative Link header against the current URL", () => {
    // Prepare
    const source = fixtureSource(origin, "link");
    const current = { url: firstPageUrl(source, window), page: 1 };
    // Act
    const next = nextPageUrl(
      source,
      window,
      current,
      response([], { link: '</link?offset=2>; rel="next", </link?offset=8>; rel="last"' }),
      [{}],
    );
    // Assess
    expect(next).toBe(`${origin}/link?offset=2`);
  });

  it("refuses a next link to another origin, which would receive the credentials", () => {
    // Prepare
    const source = fixtureSource(origin, "nextLink");
    const current = { url: firstPageUrl(source, window), page: 1 };
    // Act + Assess
    expect(() =>
      nextPageUrl(source, window, current, response({ links: { next: "https://elsewhere.example/next" } }), [{}]),
    ).toThrow(InvalidResponseError);
  });
});

describe("pageRecords", () => {
  it("reads the records at the source's path", () => {
    expect(pageRecords(fixtureSource(origin, "cursor"), "u", { data: [{ a: 1 }] })).toEqual([{ a: 1 }]);
  });

  it("rejects a page without a records array, naming the URL and the path", () => {
    expect(() => pageRecords(fixtureSource(origin, "cursor"), "http://api/x", { error: "oops" })).toThrow(
      "GET http://api/x: expected an array of records at data, got undefined",
    );
  });
});
