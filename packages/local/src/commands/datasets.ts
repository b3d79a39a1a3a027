import type { DatasetSpec } from "@medallion/core/dataset";
import { knownDatasets } from "@medallion/core/dataset";
import { UsageError } from "./errors";

/** The dataset a command runs on, when none is named. */
export const DEFAULT_DATASET = "car_telemetry";

/**
 * The spec of a known dataset (shipped, or registered with `--spec`).
 * @param name dataset name
 * @throws UsageError naming the known datasets when it is not one
 */
export function datasetNamed(name: string): DatasetSpec {
  const datasets = knownDatasets();
  const spec = datasets[name];
  if (!spec)
    throw new UsageError(
      `unknown dataset "${name}"; the known datasets are ${Object.keys(datasets).join(", ")} (a dataset of your own: --spec <file.ts>)`,
    );
  return spec;
}
