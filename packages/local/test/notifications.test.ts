import type { S3Event } from "aws-lambda";
import { describe, expect, it } from "vitest";
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
  it("retries a failing delivery and reports it once it succeeds", async () => {
    // Prepare
    let calls = 0;
    const failures: unknown[] = [];
    const queue = new NotificationQueue(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`flaky ${calls}`);
      },
      (_event, error) => failures.push(error),
      2,
      1,
    );
    // Act
    queue.push(s3Notification(created));
    await queue.drain();
    // Assess
    expect(calls).toBe(3);
    expect(failures).toEqual([]);
    expect(queue.pending).toBe(0);
  });

  it("reports a delivery that keeps failing exactly once, with its last error, after every retry", async () => {
    // Prepare
    const failures: [S3Event, unknown][] = [];
    let calls = 0;
    const queue = new NotificationQueue(
      async () => {
        calls += 1;
        throw new Error(`attempt ${calls}`);
      },
      (event, error) => failures.push([event, error]),
      2,
      1,
    );
    // Act
    queue.push(s3Notification(created));
    await queue.drain();
    // Assess
    expect(calls).toBe(3);
    expect(failures).toHaveLength(1);
    expect((failures[0]![1] as Error).message).toBe("attempt 3");
  });
});
