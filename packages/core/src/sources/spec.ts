import type { DatasetSpec } from "../dataset/spec";

/**
 * An HTTP API source is configuration: where its records come from, how to page through
 * them, which time window to ask for, and which dataset they land in. Pulled pages are
 * written to landing, so ingestion is the normal path from there.
 */

/** Page-number pagination: `?<pageParam>=1,2,3…` until a short or empty page. */
export interface PagePagination {
  style: "page";
  /** Query parameter carrying the page number (e.g. `page`). */
  pageParam: string;
  /** Number of the first page (default 1). */
  firstPage?: number;
  /** Query parameter carrying the page size (e.g. `per_page`), sent when `pageSize` is set. */
  sizeParam?: string;
  /** Records per page; a page with fewer records is the last one. */
  pageSize?: number;
}

/** Cursor pagination: the response names the next cursor, sent back as `?<cursorParam>=…`. */
export interface CursorPagination {
  style: "cursor";
  /** Query parameter carrying the cursor (e.g. `cursor`). */
  cursorParam: string;
  /** Dotted path of the next cursor in the response (e.g. `meta.next_cursor`); absent, null or "" ends the window. */
  cursorPath: string;
}

/** Next-link pagination: the response holds the URL of the next page. */
export interface NextLinkPagination {
  style: "nextLink";
  /**
   * Dotted path of the next page's URL in the response (e.g. `links.next`), absolute or
   * relative to the endpoint. Without it, the `Link: <…>; rel="next"` header is followed.
   */
  nextPath?: string;
}

/** How the pages of one window are walked. */
export type Pagination = PagePagination | CursorPagination | NextLinkPagination;

/** How a window bound is written in the query string. */
export type WindowFormat = "iso" | "date" | "epochSeconds" | "epochMillis";

/** The time window each request asks for: `[from, to)`. */
export interface WindowParams {
  /** Query parameter of the window start (inclusive), e.g. `updated_since`. */
  fromParam: string;
  /** Query parameter of the window end (exclusive), e.g. `updated_before`. */
  toParam: string;
  /** `iso` = `2024-05-01T00:00:00Z`, `date` = `2024-05-01` (day windows only), epoch seconds or milliseconds. */
  format: WindowFormat;
  /**
   * Size of one window. `[watermark, now)` is pulled as consecutive whole windows, so a
   * retried window asks for exactly what the failed attempt asked for.
   */
  size: "hour" | "day";
  /** Where the watermark starts when the source has never been pulled (ISO-8601, on a window boundary). */
  start: string;
}

/** Auth header built from a secret; the value is passed in at run time, never written here. */
export interface SourceAuth {
  /** Header name, e.g. `Authorization` or `X-Api-Key`. */
  header: string;
  /** Prefix of the header value, e.g. `Bearer` → `Authorization: Bearer <secret>`. */
  scheme?: string;
  /** Name of the secret holding the token (an SST Secret / parameter name, e.g. `ExampleApiToken`). */
  secret: string;
}

/** Retry policy on 429, 5xx, timeouts and network errors. */
export interface RetryPolicy {
  /** Attempts per request, the first included (default 4). */
  attempts?: number;
  /** Backoff before retry n is `baseDelayMs × 2^(n-1)`, jittered (default 500). */
  baseDelayMs?: number;
  /** Longest wait between attempts, Retry-After included; a longer Retry-After fails the request (default 30 000). */
  maxDelayMs?: number;
}

/** An HTTP API whose records belong to a dataset. */
export interface HttpApiSource {
  /** Source name: `[a-z][a-z0-9_-]*`; keys the watermark and names the landing folder. */
  name: string;
  kind: "httpApi";
  /** The dataset its records belong to: pages land under its landing prefix. */
  dataset: Pick<DatasetSpec, "name" | "landingPrefix">;
  /** Endpoint URL (http or https), possibly with fixed query parameters. */
  endpoint: string;
  auth?: SourceAuth;
  pagination: Pagination;
  window: WindowParams;
  /** Dotted path of the records array in a response (e.g. `data`); without it the response must be the array. */
  recordsPath?: string;
  /** Most pages fetched in one run; the rest waits for the next run (default 100). */
  maxPagesPerRun?: number;
  /** Timeout of one HTTP request, in milliseconds (default 10 000). */
  timeoutMs?: number;
  retry?: RetryPolicy;
}
