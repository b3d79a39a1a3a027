export { carTelemetry } from "./car-telemetry";
export { operations } from "./operations";
export { shippedDatasets } from "./shipped";
export { knownDatasets, registerDataset, unregisterDataset } from "./registry";
