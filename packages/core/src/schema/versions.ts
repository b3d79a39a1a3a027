import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DatasetSpec } from "../dataset/spec";
import type { AppliedSchema } from "./applied";
import { appliedSchemaOf, schemaHash } from "./applied";
import type { SchemaChange } from "./classify";
import { classifySchemaChanges, refusalMessage } from "./classify";
import { SchemaChangeRefusedError, SchemaVersionConflictError } from "./errors";

/** One recorded version of a dataset's applied schema (an item of the schema-versions table). */
export interface SchemaVersion {
  dataset: string;
  /** 1, 2, 3…: each applied change is a new version. */
  version: number;
  /** {@link schemaHash} of `schema`. */
  hash: string;
  schema: AppliedSchema;
  applied_at: string;
  /** How it was applied: the first run, a compatible change, or a rebuild. */
  applied_by: "first-run" | "compatible" | "rebuild";
  /** The changes from the previous version. */
  changes: SchemaChange[];
  /**
   * When the lake's tables were brought to this version (gold's new columns added), or absent
   * while a run has yet to do it: a version is recorded before any write, its ALTERs run later.
   */
  tables_applied_at?: string;
}

/** Where the versions are kept: a document client and the table's physical name. */
export interface SchemaVersionStore {
  doc: DynamoDBDocumentClient;
  table: string;
}

/**
 * The latest applied schema of a dataset, or undefined before its first run.
 * @param options the store and the dataset
 */
export async function latestSchemaVersion({
  doc,
  table,
  dataset,
}: SchemaVersionStore & { dataset: string }): Promise<SchemaVersion | undefined> {
  const { Items } = await doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "dataset = :dataset",
      ExpressionAttributeValues: { ":dataset": dataset },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  const item = Items?.[0];
  return item ? versionOf(item) : undefined;
}

// An item as stored: the schema and changes are JSON text (a nested map would cost more to read and write).
const versionOf = (item: Record<string, unknown>): SchemaVersion => ({
  ...(item as unknown as SchemaVersion),
  schema: JSON.parse(item.schema as string),
  changes: JSON.parse(item.changes as string),
});

/**
 * The latest version the lake's tables were brought to ({@link markTablesApplied}), or
 * undefined when no run has done it yet: what the gold tables' columns are known to be.
 * @param options the store and the dataset
 */
export async function tablesSchemaVersion({
  doc,
  table,
  dataset,
}: SchemaVersionStore & { dataset: string }): Promise<SchemaVersion | undefined> {
  // Newest first; a dataset has a handful of versions, and the one wanted is usually the first or second.
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "dataset = :dataset",
        ExpressionAttributeValues: { ":dataset": dataset },
        ScanIndexForward: false,
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const applied = page.Items?.find((item) => typeof item.tables_applied_at === "string");
    if (applied) return versionOf(applied);
    start = page.LastEvaluatedKey;
  } while (start);
  return undefined;
}

/**
 * Records that the lake's tables now have every column of a schema version (its gold ALTERs
 * succeeded), so later plans add no column it has. Idempotent: the first time is kept.
 * @param options the store, the dataset, the version, and the time
 */
export async function markTablesApplied({
  doc,
  table,
  dataset,
  version,
  now = new Date(),
}: SchemaVersionStore & { dataset: string; version: number; now?: Date }): Promise<void> {
  await doc.send(
    new UpdateCommand({
      TableName: table,
      Key: { dataset, version },
      UpdateExpression: "SET tables_applied_at = if_not_exists(tables_applied_at, :now)",
      ConditionExpression: "attribute_exists(dataset)",
      ExpressionAttributeValues: { ":now": now.toISOString() },
    }),
  );
}

/** What comparing a spec with the applied schema found: the applied version (if any) and the changes. */
export interface SchemaComparison {
  applied: SchemaVersion | undefined;
  next: AppliedSchema;
  hash: string;
  changes: SchemaChange[];
  /** The changes a normal run refuses (`rebuild` and `incompatible`). */
  refused: SchemaChange[];
}

/**
 * Compares a spec with its dataset's applied schema, writing nothing: what `medallion run`
 * checks before ingesting and the deploy-time check runs.
 * @param options the store and the spec
 */
export async function compareWithApplied({
  doc,
  table,
  spec,
}: SchemaVersionStore & { spec: DatasetSpec }): Promise<SchemaComparison> {
  const applied = await latestSchemaVersion({ doc, table, dataset: spec.name });
  const next = appliedSchemaOf(spec);
  const hash = schemaHash(next);
  const changes = applied && applied.hash !== hash ? classifySchemaChanges(applied.schema, next) : [];
  return { applied, next, hash, changes, refused: changes.filter((c) => c.class !== "compatible") };
}

/**
 * Throws {@link SchemaChangeRefusedError} when a comparison found changes a normal run refuses.
 * @param dataset the dataset
 * @param comparison what {@link compareWithApplied} found
 */
export function assertApplicable(dataset: string, comparison: SchemaComparison): void {
  if (comparison.refused.length)
    throw new SchemaChangeRefusedError(refusalMessage(dataset, comparison.refused), comparison.refused);
}

/** The version a run works under, and what changed to get there. */
export interface AppliedVersion {
  dataset: string;
  version: number;
  hash: string;
  /** The changes this run applied (empty when the schema was already applied). */
  changes: SchemaChange[];
}

/**
 * The check at the start of a run: compares the spec with the applied schema; the first run
 * records version 1, compatible changes are recorded as the next version, and changes that
 * need a rebuild or are incompatible throw {@link SchemaChangeRefusedError} (nothing written),
 * unless this is a rebuild, which applies them.
 * @param options the store, the spec, whether the run is a rebuild, and the time
 * @returns the version the run works under
 * @example const { version } = await applySchema({ doc, table, spec });
 */
export async function applySchema({
  doc,
  table,
  spec,
  rebuild = false,
  now = new Date(),
}: SchemaVersionStore & { spec: DatasetSpec; rebuild?: boolean; now?: Date }): Promise<AppliedVersion> {
  const comparison = await compareWithApplied({ doc, table, spec });
  const { applied, next, hash, changes } = comparison;
  if (applied && applied.hash === hash) return { dataset: spec.name, version: applied.version, hash, changes: [] };
  if (!rebuild) assertApplicable(spec.name, comparison);
  const version = (applied?.version ?? 0) + 1;
  try {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          dataset: spec.name,
          version,
          hash,
          schema: JSON.stringify(next),
          changes: JSON.stringify(changes),
          applied_at: now.toISOString(),
          applied_by: !applied ? "first-run" : rebuild ? "rebuild" : "compatible",
        },
        ConditionExpression: "attribute_not_exists(dataset)",
      }),
    );
  } catch (error) {
    if ((error as Error).name === "ConditionalCheckFailedException")
      throw new SchemaVersionConflictError(
        `dataset ${spec.name}: schema version ${version} was recorded by another run meanwhile; run again`,
        { cause: error },
      );
    throw error;
  }
  return { dataset: spec.name, version, hash, changes };
}
