import { fixtureSource } from "@medallion/testing/fixture-api";
import { describe, expect, it } from "vitest";
import { pageKey } from "../../src/pull/keys";

describe("pageKey", () => {
  const source = fixtureSource("http://127.0.0.1:9", "page", { name: "fleet-api" });
  const window = { from: "2024-05-01T10:00:00.000Z", to: "2024-05-01T11:00:00.000Z" };

  it("puts a page under the dataset's landing prefix, by source, window and zero-padded page number", () => {
    expect(pageKey(source, window, 7)).toBe(
      "car_telemetry/_api/fleet-api/20240501T1000Z_20240501T1100Z/page-0007.json",
    );
  });

  it("gives the same key for the same window and page, and different keys otherwise", () => {
    expect(pageKey(source, window, 1)).toBe(pageKey(source, { ...window }, 1));
    expect(pageKey(source, window, 1)).not.toBe(pageKey(source, window, 2));
    expect(pageKey(source, window, 1)).not.toBe(
      pageKey(source, { from: "2024-05-01T11:00:00.000Z", to: "2024-05-01T12:00:00.000Z" }, 1),
    );
  });
});
