import { randomUUID } from "node:crypto";
import type { S3Event } from "aws-lambda";
import type { LocalObjectCreated } from "./services/index";

/**
 * The S3 event notification AWS would send for an object created in a bucket: same
 * shape, and the key URL-encoded the way S3 encodes it (spaces as `+`), so the handler
 * decodes keys exactly as it does on AWS.
 * @param created the object s3rver reports
 */
export function s3Notification(created: LocalObjectCreated): S3Event {
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "us-east-1",
        eventTime: new Date().toISOString(),
        eventName: created.eventName,
        userIdentity: { principalId: "local" },
        requestParameters: { sourceIPAddress: "127.0.0.1" },
        responseElements: { "x-amz-request-id": created.sequencer, "x-amz-id-2": created.sequencer },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "LandingObjectCreated",
          bucket: {
            name: created.bucket,
            ownerIdentity: { principalId: "local" },
            arn: `arn:aws:s3:::${created.bucket}`,
          },
          object: {
            key: encodeS3Key(created.key),
            size: created.size,
            eTag: created.eTag ?? "",
            sequencer: created.sequencer,
          },
        },
      },
    ],
  };
}

/** URL-encodes a key as S3 notifications do: each path segment encoded, spaces as `+`. */
export function encodeS3Key(key: string): string {
  return key
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, "+"))
    .join("/");
}

/** The inverse of {@link encodeS3Key}: the key as stored. @param key a notification's key */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

/**
 * What Lambda sends to an asynchronous invocation's on-failure destination once its retries
 * are spent (the record's shape on AWS): the event, and the last error.
 */
export interface OnFailureRecord {
  version: "1.0";
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: "RetriesExhausted";
    approximateInvokeCount: number;
  };
  requestPayload: S3Event;
  responseContext: { statusCode: 200; executedVersion: "$LATEST"; functionError: "Unhandled" };
  responsePayload: { errorType: string; errorMessage: string };
}

/** Options of {@link NotificationQueue}. */
export interface NotificationQueueOptions {
  /** Invokes the function with one event. */
  deliver: (event: S3Event) => Promise<unknown>;
  /** The function's ARN, named in on-failure records. */
  functionArn: string;
  /** Retries after the first attempt (Lambda's asynchronous invocation: 2). */
  retries: number;
  /** The on-failure destination. */
  onFailure: (record: OnFailureRecord) => void;
  /** First retry's delay; each next one doubles (Lambda waits about a minute, then two). */
  baseDelayMs?: number;
  /**
   * Invocations running at once; the rest wait their turn, oldest first (default: no bound,
   * as Lambda scales out). In one process, more files at once than cores only share them,
   * and each holds its own buffers: the embedded stack bounds it to the machine's cores.
   */
  concurrency?: number;
}

/**
 * Delivers notifications to a handler as S3 → Lambda asynchronous invocation does: a failed
 * invocation is retried (twice, with backoff), then its event goes to the on-failure
 * destination, never dropped silently. `drain()` waits for every delivery in flight, so
 * shutdown loses no write.
 */
export class NotificationQueue {
  private readonly inFlight = new Set<Promise<void>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  /** @param options see {@link NotificationQueueOptions} */
  constructor(private readonly options: NotificationQueueOptions) {}

  /** Queues one delivery; returns at once. */
  push(event: S3Event): void {
    const delivery = this.attempt(event, 0).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** Number of deliveries not finished yet. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Resolves when every queued delivery has finished (including ones queued meanwhile). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async attempt(event: S3Event, attempt: number): Promise<void> {
    const { retries, baseDelayMs = 200 } = this.options;
    try {
      await this.invoke(event);
    } catch (error) {
      if (attempt >= retries) return this.options.onFailure(this.failureRecord(event, error, attempt + 1));
      await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** attempt));
      return this.attempt(event, attempt + 1);
    }
  }

  // One invocation, once fewer than `concurrency` run; a retry's wait holds no turn.
  private async invoke(event: S3Event): Promise<void> {
    const { deliver, concurrency = Number.POSITIVE_INFINITY } = this.options;
    if (this.running >= concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running += 1;
    try {
      await deliver(event);
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }

  private failureRecord(event: S3Event, error: unknown, attempts: number): OnFailureRecord {
    const failure = error instanceof Error ? error : new Error(String(error));
    return {
      version: "1.0",
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: randomUUID(),
        functionArn: `${this.options.functionArn}:$LATEST`,
        condition: "RetriesExhausted",
        approximateInvokeCount: attempts,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: { errorType: failure.name, errorMessage: failure.message },
    };
  }
}
