import type { DatasetSpec } from "./spec";

/**
 * Finds the dataset a landing key belongs to: the spec whose `landingPrefix` starts the
 * key; the longest prefix wins when prefixes nest.
 * @param specs the known datasets
 * @param key landing object key
 * @returns the dataset, or undefined when no prefix matches
 * @example datasetForKey([carTelemetry], "car_telemetry/2024/a.json")?.name // "car_telemetry"
 */
export function datasetForKey(specs: readonly DatasetSpec[], key: string): DatasetSpec | undefined {
  let best: DatasetSpec | undefined;
  for (const spec of specs) {
    if (spec.landingPrefix && key.startsWith(spec.landingPrefix) && (!best || spec.landingPrefix.length > best.landingPrefix.length)) best = spec;
  }
  return best;
}
