import type { DatasetSpec } from "@medallion/core/dataset";

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
