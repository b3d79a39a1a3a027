import { access } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DatasetSpecLoadError } from "./errors";
import type { DatasetSpec } from "./spec";
import { validateDatasetSpec } from "./validate";

/**
 * Loads a user-written dataset spec file (TypeScript under tsx, or JavaScript): its default
 * export, or else its export named `spec`, validated with {@link validateDatasetSpec}.
 * @param path the spec file, absolute or relative to the working directory
 * @returns the validated spec
 * @throws DatasetSpecLoadError when the file is missing, fails to load, or exports no spec
 * @throws DatasetSpecError when the spec is invalid (each problem with its field path)
 * @example registerDataset(await loadDatasetSpec("./my-dataset.ts"));
 */
export async function loadDatasetSpec(path: string): Promise<DatasetSpec> {
  const file = resolve(path);
  try {
    await access(file);
  } catch (error) {
    throw new DatasetSpecLoadError(file, "no such file", { cause: error });
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new DatasetSpecLoadError(file, (error as Error).message, { cause: error });
  }
  const exported = module.default ?? module.spec;
  if (exported === undefined)
    throw new DatasetSpecLoadError(file, "it has no default export and no export named `spec`");
  return validateDatasetSpec(exported, { file });
}
