import { describe, expect, it } from "vitest";
import { carTelemetry } from "../../src/dataset/car-telemetry";
import { operations } from "../../src/dataset/operations";
import type { DatasetSpec } from "../../src/dataset/spec";
import { isSubscribedLandingKey, landingSubscriptions } from "../../src/ingest/subscription";

describe("landingSubscriptions", () => {
  it("subscribes one prefix per dataset, never the archive prefixes", () => {
    // Act
    const prefixes = landingSubscriptions([operations, carTelemetry]);
    // Assess
    expect(prefixes).toEqual([carTelemetry.landingPrefix, operations.landingPrefix].sort());
    expect(isSubscribedLandingKey([carTelemetry], "car_telemetry/a.json")).toBe(true);
    expect(isSubscribedLandingKey([carTelemetry], "_done/car_telemetry/a.json")).toBe(false);
    expect(isSubscribedLandingKey([carTelemetry], "_failed/car_telemetry/a.json")).toBe(false);
    expect(isSubscribedLandingKey([carTelemetry], "elsewhere/a.json")).toBe(false);
  });

  it("covers a nested prefix with the enclosing one (S3 refuses overlapping subscriptions)", () => {
    // Prepare
    const nested: DatasetSpec = { ...carTelemetry, name: "car_telemetry_eu", landingPrefix: "car_telemetry/eu/" };
    // Act
    const prefixes = landingSubscriptions([nested, carTelemetry, carTelemetry]);
    // Assess
    expect(prefixes).toEqual(["car_telemetry/"]);
    expect(isSubscribedLandingKey([nested, carTelemetry], "car_telemetry/eu/a.json")).toBe(true);
  });
});
