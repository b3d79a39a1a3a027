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
 * Delivers notifications to a handler at least once, like S3 → Lambda async invocation:
 * a failed invocation is retried (twice, with backoff) and then reported, never dropped
 * silently. `drain()` waits for every delivery in flight, so shutdown loses no write.
 */
export class NotificationQueue {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deliver: (event: S3Event) => Promise<unknown>,
    private readonly onFailure: (event: S3Event, error: unknown) => void,
    private readonly retries = 2,
    private readonly baseDelayMs = 200,
  ) {}

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
    try {
      await this.deliver(event);
    } catch (error) {
      if (attempt >= this.retries) return this.onFailure(event, error);
      await new Promise((resolve) => setTimeout(resolve, this.baseDelayMs * 2 ** attempt));
      return this.attempt(event, attempt + 1);
    }
  }
}
