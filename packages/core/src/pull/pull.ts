import type { S3Client } from "@aws-sdk/client-s3";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { normaliseEtag } from "../ingest/keys";
import { LandingWriteError, PageCapError, SourcePullError, SourceSpecError } from "../sources/errors";
import type { HttpApiSource } from "../sources/spec";
import type { Fetch } from "./http";
import { getJson } from "./http";
import { pageKey } from "./keys";
import { firstPageUrl, nextPageUrl, pageRecords } from "./pagination";
import { assertValidSource } from "./validate";
import { advanceWatermark, readWatermark } from "./watermark";
import type { PullMode, SourceWindow } from "./window";
import { pullWindows, windowName } from "./window";

/** Options of {@link pullSource}. */
export interface PullOptions {
  source: HttpApiSource;
  s3: S3Client;
  doc: DynamoDBDocumentClient;
  /** Physical name of the Watermark table. */
  watermarkTable: string;
  /** Physical name of the Landing bucket. */
  landingBucket: string;
  /** The auth token (the value of `source.auth.secret`); required when the source has `auth`. */
  secret?: string;
  /** Default: the global fetch. */
  fetch?: Fetch;
  /** The run's trigger time (default: now). */
  now?: Date;
  /** `hourly` (default): `[watermark, now)`; `daily`: D-1. */
  mode?: PullMode;
  /** Called after each page is written to landing. */
  onPage?: (page: PulledPage) => void;
  /** Waits between retries (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * No page is requested after this instant (e.g. the Lambda's deadline less a margin):
   * the run stops as at the page cap, and the next run resumes from the watermark.
   */
  stopAt?: Date;
}

/** One page written to landing. */
export interface PulledPage {
  window: SourceWindow;
  page: number;
  key: string;
  etag: string;
  records: number;
}

/** What one window of a run did. */
export interface PulledWindow extends SourceWindow {
  /** Pages fetched (empty ones included). */
  pages: number;
  records: number;
  /** Landing keys written (empty pages write nothing). */
  keys: string[];
}

/** What a run did. */
export interface PullResult {
  source: string;
  dataset: string;
  mode: PullMode;
  watermarkBefore: string;
  watermarkAfter: string;
  /** Windows fully pulled, oldest first. */
  windows: PulledWindow[];
  pages: number;
  records: number;
  /** The run stopped before its last window (page cap or deadline); the rest waits for the next run. */
  capped: boolean;
  /** Why it stopped early, when `capped`. */
  stopReason?: "pageCap" | "deadline";
}

const DEFAULT_MAX_PAGES = 100;
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Pulls an HTTP API source into landing. Reads the source's watermark, walks each window
 * of `[watermark, now)` (or of D-1) page by page, writes each page's records to a
 * deterministic landing key, and advances the watermark past a window only once every
 * page of it is written (conditionally, so concurrent runs cannot both advance it). A
 * failure leaves the watermark at the last complete window and throws
 * {@link SourcePullError}; the retry asks for the same window and overwrites the same
 * keys, and ingestion's idempotency keeps bronze free of duplicates. Stops at
 * `maxPagesPerRun` pages or at `stopAt`, leaving the unfinished window for the next run.
 * @example
 * const result = await pullSource({ source: exampleSource, s3, doc, watermarkTable, landingBucket, secret });
 */
export async function pullSource({
  source,
  s3,
  doc,
  watermarkTable,
  landingBucket,
  secret,
  fetch = globalThis.fetch,
  now = new Date(),
  mode = "hourly",
  onPage,
  sleep,
  stopAt,
}: PullOptions): Promise<PullResult> {
  assertValidSource(source);
  if (source.auth && !secret)
    throw new SourceSpecError(`source ${source.name}: no value given for its secret ${source.auth.secret}`);
  const headers: Record<string, string> = source.auth
    ? { [source.auth.header]: source.auth.scheme ? `${source.auth.scheme} ${secret}` : secret! }
    : {};
  const maxPages = source.maxPagesPerRun ?? DEFAULT_MAX_PAGES;

  const stored = await readWatermark({ doc, table: watermarkTable, source: source.name });
  const watermarkBefore = stored?.watermark ?? new Date(source.window.start).toISOString();
  let watermark = watermarkBefore;
  let advanced = stored !== undefined;
  const result: PullResult = {
    source: source.name,
    dataset: source.dataset.name,
    mode,
    watermarkBefore,
    watermarkAfter: watermark,
    windows: [],
    pages: 0,
    records: 0,
    capped: false,
  };

  for (const window of pullWindows({ watermark, now, size: source.window.size, mode })) {
    let pulled: WindowOutcome;
    try {
      pulled = await pullWindow({
        source,
        window,
        headers,
        fetch,
        s3,
        landingBucket,
        budget: maxPages - result.pages,
        stopAt,
        onPage,
        sleep,
      });
    } catch (error) {
      throw new SourcePullError(source.name, windowName(window), watermark, { cause: error });
    }
    if (pulled.stopReason) {
      result.pages += pulled.pages;
      result.records += pulled.records;
      result.capped = true;
      result.stopReason = pulled.stopReason;
      // A window larger than the cap would never complete: say so rather than spin.
      if (pulled.stopReason === "pageCap" && result.windows.length === 0)
        throw new PageCapError(source.name, windowName(window), maxPages);
      break;
    }
    const { stopReason: _stopReason, ...done } = pulled;
    result.windows.push(done);
    result.pages += done.pages;
    result.records += done.records;
    // Only a window that starts at the watermark moves it: a D-1 window behind it is a
    // re-pull, and one ahead of it (hourly runs failing since) must not skip the gap.
    if (window.from === watermark) {
      await advanceWatermark({
        doc,
        table: watermarkTable,
        source: source.name,
        expected: advanced ? watermark : undefined,
        to: window.to,
        pages: done.pages,
        now: new Date(),
      });
      watermark = window.to;
      advanced = true;
      result.watermarkAfter = watermark;
    }
  }
  return result;
}

type WindowOutcome = PulledWindow & { stopReason?: "pageCap" | "deadline" };

interface WindowPull {
  source: HttpApiSource;
  window: SourceWindow;
  headers: Record<string, string>;
  fetch: Fetch;
  s3: S3Client;
  landingBucket: string;
  /** Pages this window may still fetch. */
  budget: number;
  stopAt?: Date;
  onPage?: (page: PulledPage) => void;
  sleep?: (ms: number) => Promise<void>;
}

async function pullWindow({
  source,
  window,
  headers,
  fetch,
  s3,
  landingBucket,
  budget,
  stopAt,
  onPage,
  sleep,
}: WindowPull): Promise<WindowOutcome> {
  const pulled: WindowOutcome = { ...window, pages: 0, records: 0, keys: [] };
  let url: string | undefined = firstPageUrl(source, window);
  while (url !== undefined) {
    if (pulled.pages >= budget) return { ...pulled, stopReason: "pageCap" };
    if (stopAt && Date.now() >= stopAt.getTime()) return { ...pulled, stopReason: "deadline" };
    const page = pulled.pages + 1;
    const response = await getJson({
      url,
      headers,
      fetch,
      timeoutMs: source.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retry: source.retry,
      sleep,
    });
    const records = pageRecords(source, url, response.body);
    pulled.pages = page;
    if (records.length > 0) {
      const key = pageKey(source, window, page);
      const etag = await writePage(s3, landingBucket, key, records, source, window);
      pulled.keys.push(key);
      pulled.records += records.length;
      onPage?.({ window, page, key, etag, records: records.length });
    }
    url = nextPageUrl(source, window, { url, page }, response, records);
  }
  return pulled;
}

// Only the records are written, not the envelope: ingestion reads a JSON array as records,
// and a retried page has the same bytes (same ETag) even if the API's cursors changed.
async function writePage(
  s3: S3Client,
  bucket: string,
  key: string,
  records: unknown[],
  source: HttpApiSource,
  window: SourceWindow,
): Promise<string> {
  try {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(records),
        ContentType: "application/json",
        Metadata: { source: source.name, "window-from": window.from, "window-to": window.to },
      }),
    );
    return normaliseEtag(put.ETag ?? "");
  } catch (error) {
    throw new LandingWriteError(bucket, key, { cause: error });
  }
}
