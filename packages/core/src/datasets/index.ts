import type { DatasetSpec } from "../dataset/spec";
import { carTelemetry } from "./car-telemetry";

export { carTelemetry };

/** The datasets this project ships, by name. */
export const shippedDatasets: Record<string, DatasetSpec> = { [carTelemetry.name]: carTelemetry };
