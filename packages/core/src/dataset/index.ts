export type { DatasetSpec, Field, ScalarField, ScalarType, StructField } from "./spec";
