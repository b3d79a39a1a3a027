import type { DatasetSpec } from "../dataset/spec";

/**
 * The landing prefixes S3 notifies the ingest function of: one per dataset, so archive copies
 * (`_done/…`, `_failed/…`) and keys of no dataset invoke nothing. A prefix nested in another
 * is covered by it (S3 refuses overlapping prefixes for the same event). infra subscribes
 * these; the embedded stack delivers exactly the same keys.
 * @param datasets the datasets
 * @example landingSubscriptions([carTelemetry]) // ["car_telemetry/"]
 */
export function landingSubscriptions(datasets: readonly DatasetSpec[]): string[] {
  const prefixes = [...new Set(datasets.map((spec) => spec.landingPrefix).filter((prefix) => prefix !== ""))].sort();
  // Sorted, an enclosing prefix comes before the prefixes it covers.
  return prefixes.filter((prefix, i) => !prefixes.slice(0, i).some((outer) => prefix.startsWith(outer)));
}

/**
 * Whether S3 notifies the ingest function of an object created under `key`.
 * @param datasets the datasets
 * @param key landing object key
 */
export function isSubscribedLandingKey(datasets: readonly DatasetSpec[], key: string): boolean {
  return landingSubscriptions(datasets).some((prefix) => key.startsWith(prefix));
}
