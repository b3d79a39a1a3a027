import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { carTelemetry } from "@medallion/core/dataset";
import type { HttpApiSource } from "@medallion/core/sources";

/**
 * A fixture HTTP API on 127.0.0.1 serving records whose `metricTimestamp` falls in
 * `[since, until)`, in three pagination styles:
 * - `/page?since&until&page&per_page` → `{ items }`
 * - `/cursor?since&until&cursor` → `{ data, meta: { next_cursor } }` (the cursor embeds a
 *   request counter, so it differs between a request and its retry, as real cursors do)
 * - `/next?since&until[&offset]` → `{ data, links: { next } }`; `/link` → the array, with a `Link` header.
 * Failures are injected per request with {@link FixtureApi.failWhen}.
 */
export interface FixtureApi {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Every request received, in order. */
  requests: { url: URL; headers: IncomingHttpHeaders }[];
  /** Replaces the served records. */
  setRecords(records: FixtureRecord[]): void;
  /**
   * The next `times` requests matching `match` get `status` (with `headers` and `body`)
   * instead of data. `delayMs` instead stalls the response (for timeouts).
   */
  failWhen(rule: FailureRule): void;
  close(): Promise<void>;
}

/** A served record (car telemetry shaped). */
export interface FixtureRecord {
  carChassis: string;
  currentMileage: number;
  metricTimestamp: string;
}

/** An injected failure. */
export interface FailureRule {
  match: (url: URL) => boolean;
  times: number;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

/**
 * Starts the fixture API.
 * @param options.records what it serves
 * @param options.pageSize records per page (default 2)
 * @param options.token when set, requests need `Authorization: Bearer <token>` (401 otherwise)
 */
export async function startFixtureApi({
  records = [],
  pageSize = 2,
  token,
}: {
  records?: FixtureRecord[];
  pageSize?: number;
  token?: string;
} = {}): Promise<FixtureApi> {
  let served = records;
  const rules: FailureRule[] = [];
  const requests: FixtureApi["requests"] = [];
  let counter = 0;

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", `http://${request.headers.host}`);
    requests.push({ url, headers: request.headers });
    const rule = rules.find((candidate) => candidate.times > 0 && candidate.match(url));
    if (rule) {
      rule.times--;
      if (rule.delayMs !== undefined) {
        setTimeout(() => send(response, 200, { data: [] }), rule.delayMs).unref();
        return;
      }
      response.writeHead(rule.status ?? 500, { "content-type": "text/plain", ...rule.headers });
      response.end(rule.body ?? "fixture failure");
      return;
    }
    if (token !== undefined && request.headers.authorization !== `Bearer ${token}`) {
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "invalid or missing token" }));
      return;
    }
    const since = Date.parse(url.searchParams.get("since") ?? "");
    const until = Date.parse(url.searchParams.get("until") ?? "");
    const inWindow = served
      .filter((record) => Date.parse(record.metricTimestamp) >= since && Date.parse(record.metricTimestamp) < until)
      .sort((a, b) => a.metricTimestamp.localeCompare(b.metricTimestamp) || a.carChassis.localeCompare(b.carChassis));
    counter++;
    switch (url.pathname) {
      case "/page": {
        const page = Number(url.searchParams.get("page") ?? 1);
        const size = Number(url.searchParams.get("per_page") ?? pageSize);
        send(response, 200, { items: inWindow.slice((page - 1) * size, page * size) });
        return;
      }
      case "/cursor": {
        const offset = Number((url.searchParams.get("cursor") ?? "0.0").split(".")[0]);
        const next = offset + pageSize < inWindow.length ? `${offset + pageSize}.${counter}` : null;
        send(response, 200, { data: inWindow.slice(offset, offset + pageSize), meta: { next_cursor: next } });
        return;
      }
      case "/next":
      case "/link": {
        const offset = Number(url.searchParams.get("offset") ?? 0);
        let next: string | null = null;
        if (offset + pageSize < inWindow.length) {
          const nextUrl = new URL(url);
          nextUrl.searchParams.set("offset", String(offset + pageSize));
          next = url.pathname === "/next" ? nextUrl.toString() : `${nextUrl.pathname}${nextUrl.search}`;
        }
        const page = inWindow.slice(offset, offset + pageSize);
        if (url.pathname === "/next") send(response, 200, { data: page, links: { next } });
        else send(response, 200, page, next ? { link: `<${next}>; rel="next"` } : {});
        return;
      }
      default:
        send(response, 404, { error: `no route ${url.pathname}` });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    setRecords: (next) => {
      served = next;
    },
    failWhen: (rule) => {
      rules.push(rule);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

/**
 * `count` car readings spread evenly over `[from, from + hours)`, one car per reading.
 * @param options.prefix chassis prefix, so readings of different calls differ
 */
export function readings({
  from,
  hours,
  count,
  prefix = "CAR",
}: {
  from: string;
  hours: number;
  count: number;
  prefix?: string;
}): FixtureRecord[] {
  const start = Date.parse(from);
  const step = (hours * 3_600_000) / count;
  return Array.from({ length: count }, (_, index) => ({
    carChassis: `${prefix}${String(index + 1).padStart(3, "0")}`,
    currentMileage: 1000 + index,
    metricTimestamp: new Date(start + Math.floor(index * step)).toISOString(),
  }));
}

/**
 * A car-telemetry source reading the fixture API in one pagination style, hourly windows
 * from 2024-05-01T00:00Z, retries fast (1 ms backoff) so tests do not wait.
 * @param origin the fixture API's origin
 * @param style `page`, `cursor`, `nextLink` (link in the body) or `link` (Link header)
 * @param overrides fields to replace
 */
export function fixtureSource(
  origin: string,
  style: "page" | "cursor" | "nextLink" | "link",
  overrides: Partial<HttpApiSource> = {},
): HttpApiSource {
  const styles = {
    page: {
      path: "/page",
      pagination: { style: "page", pageParam: "page", sizeParam: "per_page", pageSize: 2 },
      recordsPath: "items",
    },
    cursor: {
      path: "/cursor",
      pagination: { style: "cursor", cursorParam: "cursor", cursorPath: "meta.next_cursor" },
      recordsPath: "data",
    },
    nextLink: { path: "/next", pagination: { style: "nextLink", nextPath: "links.next" }, recordsPath: "data" },
    link: { path: "/link", pagination: { style: "nextLink" }, recordsPath: undefined },
  } as const satisfies Record<
    string,
    { path: string; pagination: HttpApiSource["pagination"]; recordsPath: string | undefined }
  >;
  const chosen = styles[style];
  return {
    name: `fixture-${style.toLowerCase()}`,
    kind: "httpApi",
    dataset: carTelemetry,
    endpoint: `${origin}${chosen.path}`,
    pagination: chosen.pagination,
    ...(chosen.recordsPath ? { recordsPath: chosen.recordsPath } : {}),
    window: { fromParam: "since", toParam: "until", format: "iso", size: "hour", start: "2024-05-01T00:00:00Z" },
    timeoutMs: 2_000,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 50 },
    ...overrides,
  };
}
