import { InvalidResponseError, SourceSpecError } from "../sources/errors";
import type { HttpApiSource } from "../sources/spec";
import type { JsonResponse } from "./http";
import type { SourceWindow } from "./window";
import { formatBound } from "./window";

/** Where a window's walk is: the URL just fetched and its 1-based page number. */
export interface PageCursor {
  url: string;
  page: number;
}

/**
 * The URL of a window's first page: the endpoint, its fixed query, the window bounds and,
 * for page-number pagination, the first page (and page size).
 * @param source the source spec
 * @param window the window asked for
 */
export function firstPageUrl(source: HttpApiSource, window: SourceWindow): string {
  const url = windowUrl(source, window);
  const { pagination } = source;
  if (pagination.style === "page") {
    url.searchParams.set(pagination.pageParam, String(pagination.firstPage ?? 1));
    if (pagination.sizeParam && pagination.pageSize !== undefined)
      url.searchParams.set(pagination.sizeParam, String(pagination.pageSize));
  }
  return url.toString();
}

/**
 * The URL of the page after `current`, or undefined when `current` was the window's last.
 * A cursor or link that repeats the one just followed is refused (the walk would never end),
 * and so is a next link to another origin (it would carry the auth header elsewhere).
 * @param source the source spec
 * @param window the window being walked
 * @param current the page just fetched
 * @param response its parsed response
 * @param records its records
 */
export function nextPageUrl(
  source: HttpApiSource,
  window: SourceWindow,
  current: PageCursor,
  response: JsonResponse,
  records: unknown[],
): string | undefined {
  const { pagination } = source;
  switch (pagination.style) {
    case "page": {
      if (records.length === 0) return undefined;
      if (pagination.pageSize !== undefined && records.length < pagination.pageSize) return undefined;
      const url = new URL(current.url);
      url.searchParams.set(pagination.pageParam, String((pagination.firstPage ?? 1) + current.page));
      return url.toString();
    }
    case "cursor": {
      const cursor = valueAt(response.body, pagination.cursorPath);
      if (cursor === undefined || cursor === null || cursor === "") return undefined;
      if (typeof cursor !== "string" && typeof cursor !== "number")
        throw new InvalidResponseError(
          current.url,
          `the cursor at ${pagination.cursorPath} is a ${typeof cursor}, not a string`,
        );
      if (new URL(current.url).searchParams.get(pagination.cursorParam) === String(cursor)) {
        throw new InvalidResponseError(
          current.url,
          `the API returned the cursor it was just given (${pagination.cursorParam}=${String(cursor)}); stopping to avoid an endless walk`,
        );
      }
      const url = windowUrl(source, window);
      url.searchParams.set(pagination.cursorParam, String(cursor));
      return url.toString();
    }
    case "nextLink": {
      const link =
        pagination.nextPath === undefined
          ? linkHeaderNext(response.headers.get("link"))
          : valueAt(response.body, pagination.nextPath);
      if (link === undefined || link === null || link === "") return undefined;
      if (typeof link !== "string")
        throw new InvalidResponseError(
          current.url,
          `the next link at ${pagination.nextPath ?? "Link header"} is a ${typeof link}, not a URL`,
        );
      const next = new URL(link, current.url);
      if (next.origin !== new URL(source.endpoint).origin) {
        throw new InvalidResponseError(
          current.url,
          `the next link points to another origin (${next.origin}); not sending the source's credentials there`,
        );
      }
      if (next.toString() === current.url)
        throw new InvalidResponseError(
          current.url,
          "the next link is the page just fetched; stopping to avoid an endless walk",
        );
      return next.toString();
    }
  }
}

/**
 * The records of a response: the array at `recordsPath`, or the response itself.
 * @param source the source spec
 * @param url the page's URL, for the error message
 * @param body the parsed response
 */
export function pageRecords(source: HttpApiSource, url: string, body: unknown): unknown[] {
  const records = source.recordsPath === undefined ? body : valueAt(body, source.recordsPath);
  if (!Array.isArray(records)) {
    throw new InvalidResponseError(
      url,
      `expected an array of records at ${source.recordsPath ?? "the top level"}, got ${records === null ? "null" : typeof records}`,
    );
  }
  return records;
}

function windowUrl(source: HttpApiSource, window: SourceWindow): URL {
  let url: URL;
  try {
    url = new URL(source.endpoint);
  } catch (error) {
    throw new SourceSpecError(`source ${source.name}: endpoint ${JSON.stringify(source.endpoint)} is not a URL`, {
      cause: error,
    });
  }
  url.searchParams.set(source.window.fromParam, formatBound(window.from, source.window.format));
  url.searchParams.set(source.window.toParam, formatBound(window.to, source.window.format));
  return url;
}

function valueAt(body: unknown, path: string): unknown {
  let value = body;
  for (const segment of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

// RFC 8288: `<https://api/x?page=2>; rel="next", <…>; rel="last"`.
function linkHeaderNext(header: string | null): string | undefined {
  for (const part of header?.split(",") ?? []) {
    const match = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (match && /\brel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(match[2]!)) return match[1];
  }
  return undefined;
}
