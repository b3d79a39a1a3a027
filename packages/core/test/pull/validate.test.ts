import { fixtureSource } from "@medallion/testing/fixture-api";
import { describe, expect, it } from "vitest";
import { assertValidSource } from "../../src/pull/validate";
import { exampleSource } from "../../src/sources/example";

describe("assertValidSource", () => {
  it("accepts the shipped example source", () => {
    expect(() => assertValidSource(exampleSource)).not.toThrow();
  });

  it.each([
    [{ name: "Bad Name" }, /name must match/],
    [{ endpoint: "ftp://host/x" }, /not http\(s\)/],
    [{ endpoint: "not a url" }, /not a URL/],
    [{ maxPagesPerRun: 0 }, /maxPagesPerRun must be a positive integer/],
    [{ auth: { header: "Bad Header", secret: "Token" } }, /not a valid header name/],
    [{ auth: { header: "X-Api-Key", secret: "api_token" } }, /an SST Secret name/],
  ])("rejects %j, naming the setting", (override, message) => {
    expect(() => assertValidSource(fixtureSource("http://127.0.0.1:9", "page", override))).toThrow(message);
  });

  it("rejects a window start off the window boundary and a date format for hourly windows", () => {
    // Prepare
    const base = fixtureSource("http://127.0.0.1:9", "page");
    // Act + Assess
    expect(() => assertValidSource({ ...base, window: { ...base.window, start: "2024-05-01T00:30:00Z" } })).toThrow(
      /not on a hour boundary/,
    );
    expect(() => assertValidSource({ ...base, window: { ...base.window, format: "date" } })).toThrow(
      /cannot express hour windows/,
    );
  });
});
