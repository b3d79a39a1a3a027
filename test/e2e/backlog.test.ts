import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { listPending } from "@medallion/core/ledger";
import { stepFunctions } from "@medallion/core/limits";
import { selectColumns } from "@medallion/core/sql";
import type { LocalStack } from "@medallion/local/stack";
import type { EmbeddedStack } from "@medallion/testing/embedded-stack";
import { startEmbeddedStack } from "@medallion/testing/embedded-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const FILES = 1_000;

// A landing key of about 160 characters, as gateways name their uploads.
const keyOf = (i: number): string =>
  `car_telemetry/gateway-eu-west-${i % 7}/region=iberia/site=porto-assembly-plant-north/line=final-inspection/year=2024/month=05/day=${String(1 + (i % 10)).padStart(2, "0")}/telemetry-export-batch-${String(i).padStart(6, "0")}.ndjson`;

describe("a backlog of 1,000 landing files taken by one execution", () => {
  let lake: EmbeddedStack;
  let stack: LocalStack;
  let doc: DynamoDBDocumentClient;
  beforeAll(async () => {
    lake = await startEmbeddedStack({ name: "backlog" });
    ({ stack, doc } = lake);
  });
  afterAll(() => lake?.close());

  it(
    "consolidates every file with no state over Step Functions' 256 KB, and prints the largest",
    async () => {
      // Prepare: 1,000 files of one reading each (one car per file, ten days).
      expect(keyOf(0).length).toBeGreaterThanOrEqual(150);
      const keys = Array.from({ length: FILES }, (_, i) => keyOf(i));
      for (let i = 0; i < FILES; i += 16) {
        await Promise.all(
          keys.slice(i, i + 16).map(async (key, j) => {
            const reading = {
              carChassis: `CAR-${i + j}`,
              currentMileage: 1_000 + i + j,
              metricTimestamp: `2024-05-${String(1 + ((i + j) % 10)).padStart(2, "0")}T10:00:00Z`,
              Manufacturer: "fiat",
              metrics: { trip: { tripMileage: 10, tripFuelLiters: 1 }, fuel: { fuelAvailable: 20, fuelCapacity: 50 } },
            };
            const outcome = await lake.land(key, JSON.stringify(reading));
            expect(outcome.error, key).toBeUndefined();
          }),
        );
      }
      expect(await listPending(doc, stack.names.Ledger!, "car_telemetry")).toHaveLength(FILES);
      // Act
      const outcome = await stack.execute({
        dataset: "car_telemetry",
        window: { from: "2024-06-01T00:00:00Z", to: "2024-06-01T01:00:00Z" },
      });
      // Assess
      console.log(
        `backlog of ${FILES} files: largest state ${outcome.largestState.bytes} bytes (${outcome.largestState.state}), ` +
          `${outcome.historyEvents} history events, ${outcome.durationMs} ms`,
      );
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe("SUCCEEDED");
      expect(outcome.largestState.bytes).toBeLessThanOrEqual(stepFunctions.maxStateBytes);
      expect(outcome.historyEvents).toBeLessThanOrEqual(stepFunctions.maxHistoryEvents);
      expect(outcome.states.filter((s) => s.state === "PlanSilver" && s.event === "succeeded").length).toBeGreaterThan(
        1,
      );
      expect(await listPending(doc, stack.names.Ledger!, "car_telemetry")).toEqual([]);
      const { rows } = await stack.pipeline.engine.run(
        selectColumns({ database: "silver", name: "car_telemetry" }, ["carChassis"]),
      );
      expect(rows).toHaveLength(FILES);
    },
    15 * 60_000,
  );
});
