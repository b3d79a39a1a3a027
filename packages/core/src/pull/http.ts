import { HttpClientError, HttpRetryExhaustedError, InvalidResponseError } from "../sources/errors";
import type { RetryPolicy } from "../sources/spec";
import { retryAfterMs } from "./retry-after";

/** The `fetch` the pull uses (the global one by default); tests and proxies inject theirs. */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** Options of {@link getJson}. */
export interface GetJsonOptions {
  url: string;
  /** Request headers (the auth header among them); never copied into errors or results. */
  headers: Record<string, string>;
  fetch: Fetch;
  timeoutMs: number;
  retry?: RetryPolicy;
  /** Waits between attempts (default: a timer); tests pass one that records the delays. */
  sleep?: (ms: number) => Promise<void>;
  /** The clock Retry-After dates are measured against. */
  clock?: () => Date;
  /** 0..1, scales the backoff (default Math.random: full jitter). */
  random?: () => number;
}

/** A parsed JSON response and the headers pagination may need. */
export interface JsonResponse {
  body: unknown;
  headers: Headers;
  attempts: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * GETs a JSON document. Each attempt is bounded by `timeoutMs` (AbortSignal); 429, 5xx,
 * timeouts and network errors are retried with jittered exponential backoff, a
 * `Retry-After` header (seconds or HTTP date) taking precedence. Other statuses ≥ 400 throw
 * {@link HttpClientError} at once; exhausted retries throw {@link HttpRetryExhaustedError}.
 * @example const { body } = await getJson({ url, headers: {}, fetch, timeoutMs: 5000 });
 */
export async function getJson({
  url,
  headers,
  fetch,
  timeoutMs,
  retry = {},
  sleep = defaultSleep,
  clock = () => new Date(),
  random = Math.random,
}: GetJsonOptions): Promise<JsonResponse> {
  const { attempts = 4, baseDelayMs = 500, maxDelayMs = 30_000 } = retry;
  let lastFailure = "";
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let wait: number | undefined;
    try {
      const response = await fetch(url, {
        method: "GET",
        headers: { accept: "application/json", ...headers },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.ok) return { body: await readJson(url, response), headers: response.headers, attempts: attempt };
      const detail = redact((await response.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ").trim(), headers);
      if (response.status !== 429 && response.status < 500) throw new HttpClientError(url, response.status, detail);
      lastFailure = `HTTP ${response.status}${detail ? `: ${detail}` : ""}`;
      lastError = undefined;
      wait = retryAfterMs(response.headers.get("retry-after"), clock());
      if (wait !== undefined && wait > maxDelayMs) {
        throw new HttpRetryExhaustedError(
          url,
          attempt,
          `${lastFailure} (Retry-After ${Math.ceil(wait / 1000)} s exceeds the ${maxDelayMs} ms the policy waits)`,
        );
      }
    } catch (error) {
      if (
        error instanceof HttpClientError ||
        error instanceof HttpRetryExhaustedError ||
        error instanceof InvalidResponseError
      )
        throw error;
      lastError = error;
      lastFailure = isTimeout(error) ? `timed out after ${timeoutMs} ms` : describeNetworkError(error);
    }
    if (attempt < attempts)
      await sleep(wait ?? Math.round(Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + random() / 2)));
  }
  throw new HttpRetryExhaustedError(
    url,
    attempts,
    lastFailure,
    lastError === undefined ? undefined : { cause: lastError },
  );
}

async function readJson(url: string, response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidResponseError(url, `the response is not JSON (${text.slice(0, 80).replace(/\s+/g, " ")}…)`, {
      cause: error,
    });
  }
}

// Some APIs echo request headers in error bodies: never let the auth value reach a message.
function redact(text: string, headers: Record<string, string>): string {
  let safe = text;
  for (const value of Object.values(headers)) {
    for (const part of [value, ...value.split(/\s+/)]) if (part.length >= 6) safe = safe.split(part).join("***");
  }
  return safe;
}

// Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in the cause.
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message;
  return `${(error as Error).name}: ${(error as Error).message}${reason ? ` (${reason})` : ""}`;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}
