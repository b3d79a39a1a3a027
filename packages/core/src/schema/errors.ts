import type { SchemaChange } from "./classify";

/** Base error of the schema-versions module. */
export class SchemaError extends Error {
  override name = "SchemaError";
}

/**
 * The spec differs from the applied schema in a way a normal run cannot apply (a rebuild is
 * needed, or the change is incompatible). Thrown before anything is written; the message names
 * each change (field, old, new) and the exact command that handles it.
 */
export class SchemaChangeRefusedError extends SchemaError {
  override name = "SchemaChangeRefusedError";
  /** The changes that were refused. */
  readonly changes: SchemaChange[];
  constructor(message: string, changes: SchemaChange[], options?: ErrorOptions) {
    super(message, options);
    this.changes = changes;
  }
}

/** Another run recorded a schema version between this run's read and its write. */
export class SchemaVersionConflictError extends SchemaError {
  override name = "SchemaVersionConflictError";
}
