import type { DatasetSpec } from "@medallion/core/dataset";
import type { BucketName, QueueName, TableName } from "@medallion/core/resources";
import type { Access, Granted, Target } from "./functions";

/**
 * IAM policies from the access the function table declares, over the names of one
 * deployment: infra resolves them from its resources (and passes the statements to SST's
 * `permissions`, its state machine's role), the IAM contract test from the embedded stack's.
 */

/** The physical names and ARNs of one deployment, which targets resolve to. */
export interface Deployment {
  region: string;
  account: string;
  buckets: Record<BucketName, string>;
  tables: Record<TableName, string>;
  queues: Record<QueueName, string>;
  /** The Glue databases of the lake's layers. */
  databases: { bronze: string; silver: string; gold: string };
  workGroup: string;
  /** S3 ARNs of silver path targets outside the lake (bucket and objects), none when every target is a table. */
  silverTargetPaths: string[];
  /** Glue databases of spec target tables outside the lake's silver database ({@link silverTargetDatabases}). */
  silverTargetDatabases?: string[];
  /** ARNs of the pipeline's task functions (only the state machine is granted on them). */
  taskFunctions?: string[];
  /** The state machine's name: its executions' ARNs are built from it (not from the machine, which depends on its functions). */
  stateMachineName?: string;
}

/** One Allow statement. */
export interface PolicyStatement {
  actions: string[];
  resources: string[];
}

/** One granted action, with what it acts on and, for one no local run makes, why it is granted. */
export interface Grant {
  target: Target;
  action: string;
  unexercised?: string;
}

const glueTables = ({ region, account }: Deployment, database: string): string[] => [
  `arn:aws:glue:${region}:${account}:catalog`,
  `arn:aws:glue:${region}:${account}:database/${database}`,
  `arn:aws:glue:${region}:${account}:table/${database}/*`,
];

/**
 * The ARNs a target stands for in a deployment.
 * @param target what rights are granted on
 * @param deployment names and ARNs
 */
export function targetResources(target: Target, deployment: Deployment): string[] {
  const { region, account } = deployment;
  switch (target) {
    case "AthenaWorkGroup":
      return [`arn:aws:athena:${region}:${account}:workgroup/${deployment.workGroup}`];
    case "AthenaDataCatalog":
      return [`arn:aws:athena:${region}:${account}:datacatalog/AwsDataCatalog`];
    case "BronzeTables":
      return glueTables(deployment, deployment.databases.bronze);
    // Silver tables: the lake's, and those a spec's target table names elsewhere.
    case "SilverTables":
      return [deployment.databases.silver, ...(deployment.silverTargetDatabases ?? [])].flatMap((database) =>
        glueTables(deployment, database),
      );
    case "GoldTables":
      return glueTables(deployment, deployment.databases.gold);
    case "SilverTargetPaths":
      return deployment.silverTargetPaths;
    case "TaskFunctions":
      if (!deployment.taskFunctions) throw new Error("TaskFunctions: the deployment names no task functions");
      return deployment.taskFunctions;
    case "PipelineExecutions":
      if (!deployment.stateMachineName) throw new Error("PipelineExecutions: the deployment names no state machine");
      return [`arn:aws:states:${region}:${account}:execution:${deployment.stateMachineName}:*`];
    case "AnyResource":
      return ["*"];
  }
  if (target in deployment.buckets) {
    const bucket = `arn:aws:s3:::${deployment.buckets[target as BucketName]}`;
    return [bucket, `${bucket}/*`];
  }
  if (target in deployment.tables) {
    const table = `arn:aws:dynamodb:${region}:${account}:table/${deployment.tables[target as TableName]}`;
    return [table, `${table}/index/*`];
  }
  if (target in deployment.queues)
    return [`arn:aws:sqs:${region}:${account}:${deployment.queues[target as QueueName]}`];
  throw new Error(`${target}: not a bucket, table, queue or known target of this deployment`);
}

const actionOf = (granted: Granted): string => (typeof granted === "string" ? granted : granted.action);

/**
 * Every action an access grants, one entry per target and action.
 * @param access the declared access
 */
export function grants(access: Access): Grant[] {
  return (Object.entries(access) as [Target, readonly Granted[]][]).flatMap(([target, granted]) =>
    granted.map((entry) =>
      typeof entry === "string"
        ? { target, action: entry }
        : { target, action: entry.action, unexercised: entry.unexercised },
    ),
  );
}

/**
 * The Allow statements of an access in a deployment: one per target (a target resolving to
 * no resource, e.g. no silver path target, grants nothing).
 * @param access the declared access
 * @param deployment names and ARNs
 * @example accessPolicy(functions.Ingest.access, deployment)
 *   // [{ actions: ["s3:GetObject", …], resources: ["arn:aws:s3:::landing", "arn:aws:s3:::landing/*"] }, …]
 */
export function accessPolicy(access: Access, deployment: Deployment): PolicyStatement[] {
  return (Object.entries(access) as [Target, readonly Granted[]][]).flatMap(([target, granted]) => {
    const resources = targetResources(target, deployment);
    return resources.length && granted.length ? [{ actions: granted.map(actionOf), resources }] : [];
  });
}

/**
 * An IAM policy document of an access.
 * @param access the declared access
 * @param deployment names and ARNs
 */
export function policyDocument(access: Access, deployment: Deployment) {
  return {
    Version: "2012-10-17" as const,
    Statement: accessPolicy(access, deployment).map(({ actions, resources }) => ({
      Effect: "Allow" as const,
      Action: actions,
      Resource: resources,
    })),
  };
}

/**
 * S3 ARNs of the buckets of silver path targets outside the lake's buckets (bucket and
 * objects): versions, manifests and Athena's UNLOAD write there.
 * @param datasets the deployed datasets
 */
export function silverTargetPathArns(datasets: readonly DatasetSpec[]): string[] {
  const buckets = datasets.flatMap((spec) => {
    const path = spec.silver?.target?.table === undefined ? spec.silver?.target?.path : undefined;
    const bucket = path ? /^s3:\/\/([^/]+)\//.exec(path)?.[1] : undefined;
    return bucket ? [bucket] : [];
  });
  return [...new Set(buckets)].flatMap((bucket) => [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]);
}

/**
 * The Glue databases of spec target tables outside the lake's silver database: silver writes
 * partitions there, and gold and Athena read silver there.
 * @param datasets the deployed datasets
 */
export function silverTargetDatabases(datasets: readonly DatasetSpec[]): string[] {
  return [
    ...new Set(
      datasets.flatMap((spec) => {
        const database = spec.silver?.target?.table?.database;
        return database ? [database] : [];
      }),
    ),
  ];
}
