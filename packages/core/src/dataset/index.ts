export type { DatasetSpec, Field, ScalarField, ScalarType, StructField } from "./spec";
export { bronzeParquetSchema, lineageColumns, recordPredicate, recordSchema } from "./schema";
export { datasetForKey } from "./registry";
export { validateDatasetSpec } from "./validate";
export { loadDatasetSpec } from "./load";
export { DatasetError, DatasetSpecError, DatasetSpecLoadError } from "./errors";
export type { SpecIssue } from "./errors";
