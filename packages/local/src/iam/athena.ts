import type { SqlEngine } from "@medallion/core/engine";
import type { PartitionCatalog } from "@medallion/core/silver";
import type { Statement, TableRef } from "@medallion/core/sql";
import { readSources } from "@medallion/core/sql";
import { folderKey } from "../engine/files";
import type { CallRecorder } from "./recorder";
import type { AwsScope, IamRequest } from "./requests";
import { glueTableArns } from "./requests";

// What a statement costs in IAM when Athena runs it: the caller's Athena API calls, and what
// Athena does with the caller's credentials (Glue reads and writes of the tables it names, S3
// reads of their data, writes of results and UNLOADs). The embedded stack runs the statement on
// DuckDB; these are derived from its syntax tree, the same tree the Athena adapter renders.

/** Where Athena works on the embedded stack's behalf: its workgroup, results and table locations. */
export interface AthenaScope extends AwsScope {
  workGroup: string;
  /** The workgroup's result location, `s3://bucket/prefix/`. */
  results: string;
  /** Where a table's data lives, `s3://bucket/prefix/`. */
  location(table: TableRef): string;
  /** Whether Athena reads a table as Iceberg (its partitions are not in Glue). */
  iceberg(table: TableRef): boolean;
}

function parseS3(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1]!, key: match[2]! };
}

// An object under a prefix stands for every object Athena reads or writes there.
const ANY_OBJECT = "any-object";

function s3Under(uri: string, actions: readonly string[]): IamRequest[] {
  const { bucket, key } = parseS3(uri);
  const prefix = folderKey(key);
  return actions.map((action) =>
    action === "s3:ListBucket" || action === "s3:GetBucketLocation"
      ? { action, resource: `arn:aws:s3:::${bucket}` }
      : { action, resource: `arn:aws:s3:::${bucket}/${prefix}${ANY_OBJECT}` },
  );
}

function glue(scope: AwsScope, table: TableRef, actions: readonly string[]): IamRequest[] {
  return actions.flatMap((action) =>
    glueTableArns(scope, table.database, table.name).map((resource) => ({ action, resource })),
  );
}

/**
 * The IAM requests of reading a finished query's rows (`GetQueryResults`): Athena serves them
 * from the result object, with the caller's rights.
 * @param scope workgroup and results
 */
export function athenaResultsRead(scope: AthenaScope): IamRequest[] {
  const workGroup = `arn:aws:athena:${scope.region}:${scope.account}:workgroup/${scope.workGroup}`;
  return [{ action: "athena:GetQueryResults", resource: workGroup }, ...s3Under(scope.results, ["s3:GetObject"])];
}

/**
 * The IAM requests of one statement run on Athena by a caller polling it to completion.
 * @param statement the statement
 * @param scope workgroup, results, table locations
 * @param readsResults whether the caller then reads the result rows (the engine adapter does,
 *   for every statement; Step Functions' `.sync` integration does not)
 * @returns what the caller needs allowed; empty for a statement that runs only on DuckDB
 */
export function athenaStatementRequests(statement: Statement, scope: AthenaScope, readsResults: boolean): IamRequest[] {
  // CREATE SCHEMA runs on DuckDB only: on AWS the Glue databases are infra's.
  if (statement.kind === "createSchema") return [];
  const workGroup = `arn:aws:athena:${scope.region}:${scope.account}:workgroup/${scope.workGroup}`;
  const requests: IamRequest[] = [
    { action: "athena:StartQueryExecution", resource: workGroup },
    { action: "athena:GetQueryExecution", resource: workGroup },
    ...s3Under(scope.results, ["s3:GetBucketLocation", "s3:PutObject"]),
  ];
  if (readsResults) requests.push(...athenaResultsRead(scope));
  const databases = new Set<string>();
  const named = (table: TableRef) => {
    databases.add(table.database);
    return table;
  };

  for (const source of readSources(statement)) {
    if (source.kind !== "table" && source.kind !== "files" && source.kind !== "partitions") continue;
    const table = named(source.table);
    const iceberg = scope.iceberg(table);
    requests.push(...glue(scope, table, iceberg ? ["glue:GetTable"] : ["glue:GetTable", "glue:GetPartitions"]));
    if (source.kind === "files") {
      for (const uri of source.uris) {
        const { bucket, key } = parseS3(uri);
        requests.push(
          { action: "s3:ListBucket", resource: `arn:aws:s3:::${bucket}` },
          { action: "s3:GetObject", resource: `arn:aws:s3:::${bucket}/${key}` },
        );
      }
    } else if (source.kind === "partitions") {
      for (const partition of source.partitions)
        requests.push(...s3Under(partition.location, ["s3:ListBucket", "s3:GetObject"]));
    } else {
      requests.push(...s3Under(scope.location(table), ["s3:ListBucket", "s3:GetObject"]));
    }
  }

  switch (statement.kind) {
    case "unload":
      requests.push(...s3Under(statement.to, ["s3:GetBucketLocation", "s3:ListBucket", "s3:PutObject"]));
      break;
    case "createTable":
      requests.push(
        ...glue(scope, named(statement.table), ["glue:GetTable", "glue:CreateTable"]),
        ...s3Under(statement.location ?? scope.location(statement.table), ["s3:ListBucket", "s3:PutObject"]),
      );
      break;
    case "merge":
      requests.push(
        ...glue(scope, named(statement.into), ["glue:GetTable", "glue:UpdateTable"]),
        ...s3Under(scope.location(statement.into), ["s3:ListBucket", "s3:GetObject", "s3:PutObject"]),
      );
      break;
    case "optimize":
    case "vacuum":
      requests.push(
        ...glue(scope, named(statement.table), ["glue:GetTable", "glue:UpdateTable"]),
        ...s3Under(scope.location(statement.table), [
          "s3:ListBucket",
          "s3:GetObject",
          "s3:PutObject",
          "s3:DeleteObject",
        ]),
      );
      break;
    default:
      break;
  }
  // The query's database context (and every database it names) is looked up first.
  for (const database of databases)
    requests.push(...glueTableArns(scope, database).map((resource) => ({ action: "glue:GetDatabase", resource })));
  return requests;
}

/**
 * An engine that records, for the principal in flight, what Athena would need to run each
 * statement, then runs it on the wrapped engine.
 * @param engine the local engine
 * @param recorder where calls are recorded
 * @param scope workgroup, results, table locations
 * @param readsResults whether a principal reads each statement's rows (see {@link athenaStatementRequests})
 */
export function recordingEngine(
  engine: SqlEngine,
  recorder: CallRecorder,
  scope: AthenaScope,
  readsResults: (principal: string) => boolean,
): SqlEngine {
  return {
    dialect: engine.dialect,
    run(statement) {
      const principal = recorder.principal;
      if (principal !== undefined)
        recorder.record(athenaStatementRequests(statement, scope, readsResults(principal)), `Athena ${statement.kind}`);
      return engine.run(statement);
    },
  };
}

/**
 * A partition catalog that records what the AWS catalog (`glueCatalog`: the table, then
 * BatchGetPartition to locate; BatchUpdatePartition and BatchCreatePartition to swap;
 * BatchDeletePartition to drop; the table, then UpdateTable when it lacks columns) asks
 * Glue for, as the function in flight, then defers to the wrapped one.
 * @param catalog the local catalog
 * @param recorder where calls are recorded
 * @param scope the account and region of the ARNs
 */
export function recordingCatalog(catalog: PartitionCatalog, recorder: CallRecorder, scope: AwsScope): PartitionCatalog {
  const read = (table: TableRef) => glue(scope, table, ["glue:GetTable", "glue:BatchGetPartition"]);
  return {
    async addColumns(table, columns) {
      const added = await catalog.addColumns(table, columns);
      recorder.record(
        glue(scope, table, ["glue:GetTable", ...(added.length ? ["glue:UpdateTable"] : [])]),
        "Glue (table columns)",
      );
      return added;
    },
    async locate(table, partitions) {
      if (partitions.length > 0) recorder.record(read(table), "Glue (partition locations)");
      return catalog.locate(table, partitions);
    },
    async swap(table, partitions) {
      if (partitions.length > 0) {
        const current = await catalog.locate(
          table,
          partitions.map((partition) => partition.values),
        );
        recorder.record(
          [
            ...read(table),
            ...(current.some((location) => location !== undefined)
              ? glue(scope, table, ["glue:BatchUpdatePartition"])
              : []),
            ...(current.some((location) => location === undefined)
              ? glue(scope, table, ["glue:BatchCreatePartition"])
              : []),
          ],
          "Glue (partition swap)",
        );
      }
      return catalog.swap(table, partitions);
    },
    async drop(table, partitions) {
      if (partitions.length > 0)
        recorder.record(glue(scope, table, ["glue:GetTable", "glue:BatchDeletePartition"]), "Glue (partition drop)");
      return catalog.drop(table, partitions);
    },
  };
}
