import { carTelemetry } from "./car-telemetry";
import { operations } from "./operations";
import type { DatasetSpec } from "./spec";

/** The datasets this project ships, by name. */
export const shippedDatasets: Record<string, DatasetSpec> = {
  [carTelemetry.name]: carTelemetry,
  [operations.name]: operations,
};
