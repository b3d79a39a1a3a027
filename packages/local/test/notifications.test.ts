import type { S3Event } from "aws-lambda";
import { describe, expect, it } from "vitest";
import type { OnFailureRecord } from "../src/notifications";
import { encodeS3Key, NotificationQueue, s3Notification } from "../src/notifications";

const created = {
  eventName: "ObjectCreated:Put",
  bucket: "landing",
  key: "car_telemetry/day one/a+b.json",
  size: 10,
  eTag: "abc",
  sequencer: "01",
};

describe("s3Notification", () => {
  it("encodes the key as S3 does, spaces as '+', so decoding gives the original key", () => {
    // Act
    const event = s3Notification(created);
    // Assess
    const key = event.Records[0]!.s3.object.key;
    expect(key).toBe("car_telemetry/day+one/a%2Bb.json");
    expect(decodeURIComponent(key.replace(/\+/g, " "))).toBe(created.key);
    expect(encodeS3Key("a/b c")).toBe("a/b+c");
  });
});

describe("NotificationQueue", () => {
  it("runs at most `concurrency` deliveries at once, the rest in the order they came", async () => {
    // Prepare
    let running = 0;
    let most = 0;
    const started: string[] = [];
    const queue = new NotificationQueue({
      deliver: async (event) => {
        started.push(event.Records[0]!.s3.object.key);
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
      },
      functionArn: "arn:aws:lambda:us-east-1:000000000000:function:ingest",
      retries: 0,
      onFailure: () => {},
      concurrency: 2,
    });
    // Act
    for (const key of ["a", "b", "c", "d", "e"]) queue.push(s3Notification({ ...created, key }));
    await queue.drain();
    // Assess
    expect(most).toBe(2);
    expect(started).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("retries a failing delivery and reports it once it succeeds", async () => {
    // Prepare
    let calls = 0;
    const failures: unknown[] = [];
    const queue = new NotificationQueue({
      deliver: async () => {
        calls += 1;
        if (calls < 3) throw new Error(`flaky ${calls}`);
      },
      functionArn: "arn:aws:lambda:us-east-1:000000000000:function:ingest",
      retries: 2,
      onFailure: (record) => failures.push(record),
      baseDelayMs: 1,
    });
    // Act
    queue.push(s3Notification(created));
    await queue.drain();
    // Assess
    expect(calls).toBe(3);
    expect(failures).toEqual([]);
    expect(queue.pending).toBe(0);
  });

  it("sends a delivery that keeps failing to the on-failure destination once, as Lambda records it, after two retries", async () => {
    // Prepare
    const failures: OnFailureRecord[] = [];
    let calls = 0;
    const queue = new NotificationQueue({
      deliver: async () => {
        calls += 1;
        throw new Error(`attempt ${calls}`);
      },
      functionArn: "arn:aws:lambda:us-east-1:000000000000:function:ingest",
      retries: 2,
      onFailure: (record) => failures.push(record),
      baseDelayMs: 1,
    });
    const event: S3Event = s3Notification(created);
    // Act
    queue.push(event);
    await queue.drain();
    // Assess
    expect(calls).toBe(3);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      version: "1.0",
      requestContext: {
        condition: "RetriesExhausted",
        approximateInvokeCount: 3,
        functionArn: "arn:aws:lambda:us-east-1:000000000000:function:ingest:$LATEST",
      },
      requestPayload: event,
      responseContext: { functionError: "Unhandled" },
      responsePayload: { errorType: "Error", errorMessage: "attempt 3" },
    });
  });
});
