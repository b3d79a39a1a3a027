import { describe, expect, it } from "vitest";
import { formatBound, pullWindows, windowName } from "../../src/pull/window";
import { SourceSpecError } from "../../src/sources/errors";

describe("pullWindows", () => {
  it("splits [watermark, now) into whole hours, leaving the hour in progress for later", () => {
    // Act
    const windows = pullWindows({
      watermark: "2024-05-01T10:00:00Z",
      now: new Date("2024-05-01T12:59:59Z"),
      size: "hour",
      mode: "hourly",
    });
    // Assess
    expect(windows).toEqual([
      { from: "2024-05-01T10:00:00.000Z", to: "2024-05-01T11:00:00.000Z" },
      { from: "2024-05-01T11:00:00.000Z", to: "2024-05-01T12:00:00.000Z" },
    ]);
  });

  it("returns nothing when the watermark is already at the last boundary", () => {
    expect(
      pullWindows({
        watermark: "2024-05-01T12:00:00Z",
        now: new Date("2024-05-01T12:30:00Z"),
        size: "hour",
        mode: "hourly",
      }),
    ).toEqual([]);
  });

  it("pulls only complete days for day-sized windows", () => {
    // Act
    const windows = pullWindows({
      watermark: "2024-05-01T00:00:00Z",
      now: new Date("2024-05-03T05:00:00Z"),
      size: "day",
      mode: "hourly",
    });
    // Assess
    expect(windows.map((window) => window.from)).toEqual(["2024-05-01T00:00:00.000Z", "2024-05-02T00:00:00.000Z"]);
  });

  it("re-pulls D-1 in the source's window size for the daily run, whatever the watermark", () => {
    // Act
    const windows = pullWindows({
      watermark: "2024-05-02T01:00:00Z",
      now: new Date("2024-05-02T02:00:00Z"),
      size: "hour",
      mode: "daily",
    });
    // Assess
    expect(windows).toHaveLength(24);
    expect(windows[0]).toEqual({ from: "2024-05-01T00:00:00.000Z", to: "2024-05-01T01:00:00.000Z" });
    expect(windows[23]).toEqual({ from: "2024-05-01T23:00:00.000Z", to: "2024-05-02T00:00:00.000Z" });
  });

  it("rejects a watermark that is not on a window boundary", () => {
    expect(() =>
      pullWindows({
        watermark: "2024-05-01T10:30:00Z",
        now: new Date("2024-05-01T12:00:00Z"),
        size: "hour",
        mode: "hourly",
      }),
    ).toThrow(SourceSpecError);
  });
});

describe("windowName", () => {
  it("names a window by its compact UTC bounds", () => {
    expect(windowName({ from: "2024-05-01T10:00:00.000Z", to: "2024-05-01T11:00:00.000Z" })).toBe(
      "20240501T1000Z_20240501T1100Z",
    );
  });
});

describe("formatBound", () => {
  it("writes a bound in each supported format", () => {
    const bound = "2024-05-01T10:00:00.000Z";
    expect(formatBound(bound, "iso")).toBe("2024-05-01T10:00:00Z");
    expect(formatBound(bound, "date")).toBe("2024-05-01");
    expect(formatBound(bound, "epochSeconds")).toBe("1714557600");
    expect(formatBound(bound, "epochMillis")).toBe("1714557600000");
  });
});
