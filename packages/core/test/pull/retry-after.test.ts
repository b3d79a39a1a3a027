import { describe, expect, it } from "vitest";
import { retryAfterMs } from "../../src/pull/retry-after";

describe("retryAfterMs", () => {
  const now = new Date("2024-05-01T10:00:00Z");

  it("reads delta-seconds as milliseconds", () => {
    expect(retryAfterMs("3", now)).toBe(3000);
    expect(retryAfterMs(" 0 ", now)).toBe(0);
  });

  it("reads an HTTP date as the time left until it", () => {
    expect(retryAfterMs("Wed, 01 May 2024 10:00:07 GMT", now)).toBe(7000);
  });

  it("treats a date in the past as no wait", () => {
    expect(retryAfterMs("Wed, 01 May 2024 09:00:00 GMT", now)).toBe(0);
  });

  it("returns undefined for an absent or unreadable header", () => {
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs("", now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
  });
});
