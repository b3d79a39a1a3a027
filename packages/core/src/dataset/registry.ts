import type { SpecIssue } from "./errors";
import { DatasetSpecError } from "./errors";
import { shippedDatasets } from "./shipped";
import type { DatasetSpec } from "./spec";
import { validateDatasetSpec } from "./validate";

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
    if (
      spec.landingPrefix &&
      key.startsWith(spec.landingPrefix) &&
      (!best || spec.landingPrefix.length > best.landingPrefix.length)
    )
      best = spec;
  }
  return best;
}

// Datasets added at run time (a `--spec` file), on top of the shipped ones. Module state on
// purpose: every in-process handler of one run must see the same datasets, and the shipped
// ones are read at call time so the set always follows `shippedDatasets`.
const registered = new Map<string, DatasetSpec>();

/**
 * Makes a dataset known to every handler of this process (the shipped ones always are).
 * Registering the same name again replaces the earlier registration; a shipped dataset's
 * name is refused ({@link DatasetSpecError}), so a spec file cannot silently change a shipped dataset.
 * @param spec a validated dataset spec (see `validateDatasetSpec` in `@medallion/core/dataset`)
 * @example registerDataset(await loadDatasetSpec("./my-dataset.ts"));
 */
export function registerDataset(spec: DatasetSpec): void {
  if (Object.hasOwn(shippedDatasets, spec.name)) {
    throw new DatasetSpecError([
      { path: "name", reason: `"${spec.name}" is the name of a shipped dataset; give the spec another name` },
    ]);
  }
  registered.set(spec.name, spec);
}

/**
 * Makes a deployment's datasets known (the datasets folder's list, `@medallion/datasets`):
 * each validated, names and landing prefixes unique. A shipped example listed as it ships is
 * known already. Throws {@link DatasetSpecError} naming each problem (`datasets[2].name`).
 * @param specs the deployment's datasets
 * @param options.source where the list comes from, named in errors
 * @returns the specs, validated
 * @example registerDatasets(datasets);
 */
export function registerDatasets(
  specs: readonly unknown[],
  { source = "datasets/index.ts" }: { source?: string } = {},
): DatasetSpec[] {
  const validated = checkDeployment(specs, { source });
  for (const spec of validated) if (shippedDatasets[spec.name] !== spec) registerDataset(spec);
  return validated;
}

/**
 * Checks a deployment's list of datasets without registering it (what infra deploys): each
 * spec valid, no two with the same name or the same landing prefix (a prefix may nest in
 * another: the longest one a key starts with names its dataset).
 * @param specs the deployment's datasets
 * @param options.source where the list comes from, named in errors
 */
export function checkDeployment(specs: readonly unknown[], { source }: { source: string }): DatasetSpec[] {
  const issues: SpecIssue[] = [];
  const validated: DatasetSpec[] = [];
  specs.forEach((value, index) => {
    try {
      validated.push(validateDatasetSpec(value));
    } catch (error) {
      if (!(error instanceof DatasetSpecError)) throw error;
      for (const issue of error.issues)
        issues.push({ path: `datasets[${index}]${issue.path ? `.${issue.path}` : ""}`, reason: issue.reason });
    }
  });
  validated.forEach((spec, i) => {
    for (const other of validated.slice(0, i)) {
      if (other.name === spec.name)
        issues.push({ path: `datasets[${i}].name`, reason: `dataset ${spec.name} is listed twice` });
      else if (spec.landingPrefix === other.landingPrefix)
        issues.push({
          path: `datasets[${i}].landingPrefix`,
          reason: `${spec.landingPrefix} is ${other.name}'s landing prefix too: each dataset needs one of its own (one may nest in another)`,
        });
    }
  });
  if (issues.length) throw new DatasetSpecError(issues, { file: source });
  return validated;
}

/**
 * Removes a dataset registered with {@link registerDataset} (tests, long-lived processes).
 * @param name dataset name
 * @returns whether it was registered
 */
export function unregisterDataset(name: string): boolean {
  return registered.delete(name);
}

/**
 * Every dataset known now, by name: the shipped ones, then the registered ones. A fresh
 * object each call, so callers cannot change the registry by editing it.
 * @example Object.keys(knownDatasets()) // ["car_telemetry", …]
 */
export function knownDatasets(): Record<string, DatasetSpec> {
  return { ...shippedDatasets, ...Object.fromEntries(registered) };
}
