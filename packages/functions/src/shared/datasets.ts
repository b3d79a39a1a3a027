import type { DatasetSpec } from "@medallion/core/dataset";
import { knownDatasets, registerDatasets } from "@medallion/core/dataset";
import deployed from "@medallion/datasets";

/**
 * The spec of a dataset named by an event, or the module's own error naming the known ones.
 * @param datasets known datasets by name
 * @param name the event's dataset
 * @param error builds the module's error (e.g. SilverSpecError) from the message
 */
export function specOf(
  datasets: Record<string, DatasetSpec>,
  name: string,
  error: (message: string) => Error,
): DatasetSpec {
  const spec = datasets[name];
  if (!spec) throw error(`unknown dataset ${name}; known: ${Object.keys(datasets).join(", ")}`);
  return spec;
}

/** A value built on first use, then kept (dependencies resolved once per Lambda process). @param build builds it */
export function once<T>(build: () => T): () => T {
  let value: { built: T } | undefined;
  return () => {
    value ??= { built: build() };
    return value.built;
  };
}

// The datasets folder's list is registered on first use: once per Lambda process.
const registerDeployed = once(() => registerDatasets(deployed));

/**
 * Every dataset this deployment runs (the datasets folder, `@medallion/datasets`), with any
 * registered at run time (a `--spec` file on the embedded stack), by name.
 * @example specOf(datasets(), event.dataset, (message) => new SilverSpecError(message))
 */
export function datasets(): Record<string, DatasetSpec> {
  registerDeployed();
  return knownDatasets();
}
