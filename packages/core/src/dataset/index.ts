export { carTelemetry } from "./car-telemetry";
export { carMonthly, carTelemetryGold, manufacturerDaily } from "./car-telemetry-gold";
export type { DraftedSpec, DraftOptions } from "./draft";
export { draftSpec, snakeCase } from "./draft";
export type { SpecIssue } from "./errors";
export { DatasetError, DatasetSpecError, DatasetSpecLoadError } from "./errors";
export { loadDatasetSpec } from "./load";
export { operations } from "./operations";
export {
  checkDeployment,
  datasetForKey,
  knownDatasets,
  registerDataset,
  registerDatasets,
  unregisterDataset,
} from "./registry";
export { bronzeParquetSchema, bronzeSqlType, earlierNames, lineageColumns, readFields } from "./schema";
export { shippedDatasets } from "./shipped";
export type {
  DatasetSpec,
  DateField,
  DateValue,
  Field,
  FieldBase,
  ListField,
  ListValue,
  ScalarField,
  ScalarType,
  ScalarValue,
  StructField,
  StructValue,
  TimestampField,
  TimestampFormat,
  TimestampValue,
  ValueType,
  YearRange,
} from "./spec";
export { DEFAULT_YEARS, sourceKey } from "./spec";
export { validateDatasetSpec } from "./validate";
