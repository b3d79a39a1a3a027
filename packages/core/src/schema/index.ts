export type { AppliedField, AppliedGoldTable, AppliedSchema, AppliedType } from "./applied";
export { appliedSchemaOf, schemaHash } from "./applied";
export type { ChangeClass, SchemaChange } from "./classify";
export { classifySchemaChanges, refusalMessage } from "./classify";
export { SchemaChangeRefusedError, SchemaError, SchemaVersionConflictError } from "./errors";
export type { AppliedVersion, SchemaComparison, SchemaVersion, SchemaVersionStore } from "./versions";
export {
  applySchema,
  assertApplicable,
  compareWithApplied,
  latestSchemaVersion,
  markTablesApplied,
  tablesSchemaVersion,
} from "./versions";
