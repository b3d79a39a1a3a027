import { bronzeTableShape, silverTableShape } from "@medallion/core/catalog";
import { checkDeployment } from "@medallion/core/dataset";
import { landingSubscriptions } from "@medallion/core/ingest";
import { datasets } from "@medallion/datasets";
import { describe, expect, it } from "vitest";

// infra/datasets.ts deploys exactly `checkDeployment(datasets)`; infra/catalog.ts and
// infra/ingest.ts build each dataset's tables and notification from these same functions
// (and `npm run typecheck:infra` compiles them against SST's types).
describe("the datasets folder", () => {
  it("is a valid deployment whose user dataset gets its tables and its landing notification", () => {
    // Act
    const deployed = checkDeployment(datasets, { source: "datasets/index.ts" });
    const subscriptions = landingSubscriptions(deployed);
    const weather = deployed.find((spec) => spec.name === "weather_stations")!;
    // Assess
    expect(deployed.map((spec) => spec.name)).toEqual(["car_telemetry", "operations", "weather_stations"]);
    expect(subscriptions).toContain("weather/");
    expect(bronzeTableShape(weather).columns.map((c) => c.name)).toContain("observed_at");
    expect(silverTableShape(weather)?.partitionKeys.map((c) => c.name)).toEqual(["obs_year", "obs_month", "obs_day"]);
  });
});
