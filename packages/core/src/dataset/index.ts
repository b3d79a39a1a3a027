export type { DatasetSpec, Field, ScalarField, ScalarType, StructField } from "./spec";
export { bronzeParquetSchema, lineageColumns, recordPredicate, recordSchema } from "./schema";
export { datasetForKey } from "./registry";
