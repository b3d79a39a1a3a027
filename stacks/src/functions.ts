import type { BucketName, QueueName, TableName } from "@medallion/core/resources";

/**
 * Every Lambda the app deploys, declared once: infra creates each from its entry (and builds
 * its IAM policy from `access`), the pipeline's ASL names its Task states after it, the
 * embedded stack invokes the same handler for each state, and tests loop over it (the IAM
 * contract test holds every call the handlers make against the policy `access` gives). Sizes
 * are plain numbers so a local invocation can be held against what the deployed function gets.
 */

/** A link, by name: a bucket or table of `@medallion/core/resources`, or the names of a catalog (infra/catalog.ts). */
export type LinkName = BucketName | TableName | "SilverCatalog" | "GoldCatalog";

/** Resources known only at deploy time, which infra resolves: the buckets of silver path targets outside the lake. */
export type ResourceSet = "SilverTargetPaths";

/**
 * What rights are granted on (`@medallion/stacks/policy` resolves each to ARNs): a bucket
 * (the bucket and its objects), a table (and its indexes), a queue, the Athena workgroup or
 * data catalog, the Glue tables of the bronze, silver or gold database (with the catalog and
 * database, which Glue also authorises), a resource set, the pipeline's task functions, the
 * pipeline's executions, or any resource (for actions that take none).
 */
export type Target =
  | BucketName
  | TableName
  | QueueName
  | "AthenaWorkGroup"
  | "AthenaDataCatalog"
  | "BronzeTables"
  | "SilverTables"
  | "GoldTables"
  | ResourceSet
  | "TaskFunctions"
  | "PipelineExecutions"
  | "AnyResource";

/**
 * A granted IAM action. Plain when the embedded stack's runs make the call (the IAM contract
 * test fails on a granted action no run used); with `unexercised`, the reason it is needed though
 * no local run makes the call (a path only AWS takes, a statement DuckDB does not run).
 */
export type Granted = string | { action: string; unexercised: string };

/** The rights of a function (or the state machine): IAM actions, by what they act on. */
export type Access = Partial<Record<Target, readonly Granted[]>>;

/** How S3 invokes a function asynchronously: retries, how long an event may wait, where it goes after. */
export interface AsyncDelivery {
  /** Retries after the first attempt (Lambda allows 0–2). */
  retries: 0 | 1 | 2;
  /** How long Lambda keeps an event it could not run yet (throttling), in seconds. */
  maxEventAgeSeconds: number;
  /** The queue the event goes to once every attempt failed. */
  onFailure: QueueName;
}

/** One Lambda: its handler, sizing, links and rights, and the pipeline states it backs. */
export interface FunctionDeclaration {
  /** `<file>.<export>` of `packages/functions/src`, e.g. `journey.start`. */
  handler: `${string}.${string}`;
  memoryMB: number;
  timeoutSeconds: number;
  /** Ephemeral /tmp, for handlers that stage files (Lambda's default otherwise: 512 MB). */
  storageMB?: number;
  /** The resources whose names the handler reads (`Resource.<Name>`); links grant nothing by themselves. */
  links: readonly LinkName[];
  /** Exactly the rights the handler needs. */
  access: Access;
  /** At most this many invocations at once. */
  reservedConcurrency?: number;
  /** Powertools service name; default `medallion-<kebab-case name>`. */
  service?: string;
  /** The pipeline's Task states this function backs (`stacks/src/pipeline.ts`). */
  states?: readonly string[];
  /** Deployed once per HTTP source (`<name><Source>`, infra/sources.ts), each also linked to its source's secret. */
  perSource?: true;
  /** Invoked by S3 notifications: how failed events are retried and kept. */
  delivery?: AsyncDelivery;
  /** Invoked on a schedule (5-field cron, UTC), with this event. */
  schedule?: { cron: string; event: Record<string, unknown> };
  /**
   * Deployed under the fixed name {@link stageResourceName} (`<app>-<stage>-<name>`), so
   * the CLI invokes it knowing only the stage, as the state machine is `<app>-<stage>-pipeline`.
   */
  fixedName?: true;
}

/** The app's name, as `sst.config.ts` gives it (a test holds them equal): the prefix of fixed names. */
export const APP_NAME = "medallion";

/**
 * The fixed name a resource is deployed under, `<app>-<stage>-<kebab-case name>`: the state
 * machine's, and each function's declared with `fixedName`.
 * @param stage the SST stage
 * @param name the resource's logical name
 * @param app the app's name (default {@link APP_NAME})
 * @example stageResourceName("prod", "Redrive") // "medallion-prod-redrive"
 */
export function stageResourceName(stage: string, name: string, app: string = APP_NAME): string {
  return `${app}-${stage}-${name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`;
}

/** The state machine's logical name, and its principal in the IAM contract test. */
export const STATE_MACHINE = "Pipeline";

// Rights shared by several functions: the journey's steps and outcome are conditional updates.
const journeyUpdates: Access = { JourneyControl: ["dynamodb:UpdateItem"] };
// A step is appended under a revision condition, with totals computed from the journey read first.
const journeySteps: Access = { JourneyControl: ["dynamodb:GetItem", "dynamodb:UpdateItem"] };
// The states that end a run read its execution's history, to record what the run used.
const runEnd: Access = { ...journeyUpdates, PipelineExecutions: ["states:GetExecutionHistory"] };

/**
 * Actions granted for one reason no local run shows.
 * @param reason why they are needed anyway
 * @param actions the actions
 */
const unexercised = (reason: string, actions: readonly string[]): Granted[] =>
  actions.map((action) => ({ action, unexercised: reason }));
// Silver's handlers read their names from these links; none calls Athena (the state machine runs the plan).
const silverLinks = ["Bronze", "Silver", "Ledger", "SilverCatalog"] as const;
// Partition locations, read from Glue (the table's keys and storage, then a batch of partitions).
const glueLocate: readonly Granted[] = ["glue:GetTable", "glue:BatchGetPartition"];
// Silver path targets may live outside the lake's buckets: versions, manifests and Athena's UNLOAD write there.
const silverTargetPaths: readonly Granted[] = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"];

// The gold handlers' wiring reads every one of these when first used.
const goldLinks = ["Gold", "Silver", "Congregado", "JourneyControl", "GoldCatalog", "SchemaVersions"] as const;
// A gold plan's ALTERs, once run, record their schema version as applied to the tables (a conditional update).
const tablesApplied: readonly Granted[] = ["dynamodb:UpdateItem"];

const ingestDelivery: AsyncDelivery = { retries: 2, maxEventAgeSeconds: 3600, onFailure: "IngestFailures" };
const ingestTimeoutSeconds = 10 * 60;

/**
 * How long a landing object may stay un-ingested before the sweeper counts it lost: as long
 * as S3 → Lambda may still be delivering it (the event's maximum age, then every attempt
 * running to its timeout).
 */
export const landingGraceSeconds =
  ingestDelivery.maxEventAgeSeconds + (ingestDelivery.retries + 1) * ingestTimeoutSeconds;

/** The app's functions, by logical name (the SST name; a pipeline task's name is its state's). */
export const functions = {
  /** `{ input, startedAt }` → the run's window and idempotency key (the pipeline's first state). */
  ResolveWindow: {
    handler: "window.resolve",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: [],
    access: {},
    states: ["ResolveWindow"],
  },
  /** Starts (or resumes) the run's journey; a completed window is reported as a duplicate. */
  StartJourney: {
    handler: "journey.start",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: ["JourneyControl"],
    access: { JourneyControl: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"] },
    states: ["StartJourney"],
  },
  /** Appends a step to the journey. */
  RecordJourneyStep: {
    handler: "journey.recordStep",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: ["JourneyControl"],
    access: journeySteps,
    states: ["RecordSchemaStep", "RecordSilverStep"],
  },
  /** Marks the journey completed, and records what the execution used (from its history). */
  CompleteJourney: {
    handler: "journey.complete",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: ["JourneyControl"],
    access: runEnd,
    states: ["CompleteJourney"],
  },
  /** Marks the journey failed with the error the state machine caught, and records what the execution used. */
  FailJourney: {
    handler: "journey.fail",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: ["JourneyControl"],
    access: runEnd,
    states: ["FailJourney"],
  },
  /**
   * The failure path: the failed plan's silver commit rolled back (a failure in gold), one
   * failure on each file of the plan, and a `plan_failed` step on its journey; a lone file
   * failing again is set aside, and the run plans again without the failed files (the state
   * machine caps how often).
   */
  RecordPlanFailure: {
    handler: "setaside.record",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: [...silverLinks, "JourneyControl"],
    access: {
      // Reads the plan; marks the rolled-back version's files superseded, for retention.
      Silver: ["s3:GetObject", "s3:PutObject"],
      // A path target's manifest and markers.
      SilverTargetPaths: ["s3:GetObject", "s3:PutObject"],
      SilverTables: [
        ...glueLocate,
        // A rollback points each partition the failed plan rewrote back at its former location.
        "glue:BatchUpdatePartition",
        ...unexercised("a rollback re-creates a day the failed plan's recompute dropped; the IAM run drops none", [
          "glue:BatchCreatePartition",
        ]),
        ...unexercised(
          "a rollback drops the days the failed plan created; the IAM run's plan fails before its commit",
          ["glue:BatchDeletePartition"],
        ),
      ],
      Ledger: ["dynamodb:UpdateItem"],
      ...journeySteps,
    },
    states: ["RecordPlanFailure"],
  },
  /** Takes the dataset's consolidation lock: one run at a time rewrites its silver and gold. */
  AcquireDatasetLock: {
    handler: "lock.acquire",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: ["Lock"],
    // A conditional put takes the lock; when another run holds it, a read says whose it is.
    access: { Lock: ["dynamodb:PutItem", "dynamodb:GetItem"] },
    states: ["AcquireDatasetLock"],
  },
  /**
   * The run's heartbeat: renews its journey's and its dataset lock's leases before each long
   * wait, or fails with LockLostError / JourneyLeaseLostError once another run took them over.
   */
  RenewRunLeases: {
    handler: "lock.renew",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: ["Lock", "JourneyControl"],
    access: {
      // Both are conditional updates on the owner: a lost lease fails the write, not a read.
      Lock: ["dynamodb:UpdateItem"],
      JourneyControl: [
        "dynamodb:UpdateItem",
        {
          action: "dynamodb:GetItem",
          unexercised: "a refused journey renewal is explained from the journey; local runs lose the lock first",
        },
      ],
    },
    states: ["RenewSilverLeases", "RenewGoldLeases", "RenewLeasesAfterSilver", "RenewLeasesAfterGold"],
  },
  /** Releases it, on the way out and, best effort, after a failure. */
  ReleaseDatasetLock: {
    handler: "lock.release",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: ["Lock"],
    access: { Lock: ["dynamodb:DeleteItem"] },
    states: ["ReleaseDatasetLock", "ReleaseDatasetLockAfterFailure"],
  },
  /** Compares the spec with the applied schema: compatible changes recorded as a new version, others refused. */
  CheckSchema: {
    handler: "schema.check",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: ["SchemaVersions"],
    access: { SchemaVersions: ["dynamodb:Query", "dynamodb:PutItem"] },
    states: ["CheckSchema"],
  },
  /** The same comparison, writing nothing: invoked at deploy time, so a refused change fails the deploy. */
  VerifySchema: {
    handler: "schema.verify",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: ["SchemaVersions"],
    access: {
      SchemaVersions: [{ action: "dynamodb:Query", unexercised: "infra invokes it at sst deploy; no local run does" }],
    },
  },
  /** Pending files from the ledger, affected partitions, the statements Athena runs: stored in S3, its key returned. */
  PlanSilver: {
    handler: "silver.plan",
    memoryMB: 1024,
    timeoutSeconds: 5 * 60,
    links: silverLinks,
    access: {
      Ledger: [
        "dynamodb:Query",
        {
          action: "dynamodb:UpdateItem",
          unexercised:
            "counts an unreadable bronze object on its file (set aside the second time); the set-aside e2e test makes it",
        },
      ],
      // The footer and the partition column of each pending file, in ranged reads (HEAD for its size).
      Bronze: ["s3:GetObject"],
      // Lists a version's leftovers and deletes them (a plan made again after its attempt failed
      // before the commit writes the same version); stores the plan under `_plans/`.
      Silver: [
        "s3:ListBucket",
        "s3:DeleteObject",
        "s3:PutObject",
        {
          action: "s3:GetObject",
          unexercised:
            "a path target in the silver bucket keeps its partition manifest there (the operations tests read it)",
        },
      ],
      SilverTargetPaths: silverTargetPaths,
      // Partition locations come from Glue; the table gains the columns a compatible spec change
      // added (GetTable, then UpdateTable) before the plan's statements read through it.
      SilverTables: [...glueLocate, "glue:UpdateTable"],
    },
    states: ["PlanSilver"],
  },
  /** A rebuild's first step: every bronze file of the dataset pending again under the rebuild's id. */
  StartRebuild: {
    handler: "silver.rebuild",
    memoryMB: 512,
    timeoutSeconds: 15 * 60,
    links: silverLinks,
    access: { Ledger: ["dynamodb:Query", "dynamodb:UpdateItem"] },
    states: ["StartRebuild"],
  },
  /** One statement of a stored plan as the Athena text the query state runs (the state carries one query, not the plan). */
  LoadSilverQuery: {
    handler: "silver.query",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: ["Silver"],
    access: { Silver: ["s3:GetObject"] },
    states: ["LoadSilverQuery"],
  },
  /** Swaps the partition locations to the written version (the ledger is marked after gold). */
  CommitSilver: {
    handler: "silver.commit",
    memoryMB: 1024,
    timeoutSeconds: 15 * 60,
    links: silverLinks,
    access: {
      // Reads the plan and the written objects' footers; writes the replaced versions' retention markers.
      Silver: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
      SilverTargetPaths: silverTargetPaths,
      SilverTables: [
        ...glueLocate,
        "glue:BatchCreatePartition",
        "glue:BatchUpdatePartition",
        {
          action: "glue:BatchDeletePartition",
          unexercised:
            "the recompute after a replaced landing file drops days no current file covers; the IAM run replaces none",
        },
      ],
    },
    states: ["CommitSilver"],
  },
  /** `{ dataset, plan_key }` (the silver plan) → the gold plan (every statement, by kind) stored beside it; its key returned. */
  PlanGold: {
    handler: "gold.plan",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: goldLinks,
    // Reads the silver plan's partitions; stores the gold plan under `_plans/`. The gold tables'
    // columns are read from Glue (an ALTER adds only what a table lacks); the schema versions say
    // which version the run brings them to (the latest, and the last applied to them).
    access: {
      Silver: ["s3:GetObject", "s3:PutObject"],
      SchemaVersions: ["dynamodb:Query"],
      GoldTables: ["glue:GetTable"],
    },
    service: "medallion-gold",
    states: ["PlanGold"],
  },
  /** One statement of a stored gold plan as the Athena text its state runs, with whether its rows are read. */
  LoadGoldQuery: {
    handler: "gold.query",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: goldLinks,
    access: { Silver: ["s3:GetObject"], SchemaVersions: tablesApplied },
    service: "medallion-gold",
    states: ["LoadGoldQuery"],
  },
  /** A reading statement's rows (Athena's result set): a check's offending keys fail the run; counts are kept beside the plan. */
  RecordGoldResult: {
    handler: "gold.result",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: goldLinks,
    access: { Silver: ["s3:GetObject", "s3:PutObject"] },
    service: "medallion-gold",
    states: ["RecordGoldResult"],
  },
  /** After every gold statement ran: rows inserted/updated/deleted per table, each congregado saved, one journey step per table. */
  FinishGold: {
    handler: "gold.finish",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: goldLinks,
    access: {
      Silver: ["s3:GetObject"],
      Congregado: ["dynamodb:GetItem", "dynamodb:PutItem"],
      // Each gold table's step is appended to the journey (read, then a conditional update).
      JourneyControl: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      SchemaVersions: tablesApplied,
    },
    service: "medallion-gold",
    states: ["FinishGold"],
  },
  /** After gold: marks the plan's ledger entries consolidated and expires old silver versions. */
  FinishSilver: {
    handler: "silver.finish",
    memoryMB: 1024,
    timeoutSeconds: 15 * 60,
    // The silver handlers' wiring reads every silver link when first used, Bronze included.
    links: silverLinks,
    access: {
      Ledger: ["dynamodb:UpdateItem"],
      // PutObject: a rebuild records the partitions it rewrote (`_rebuilds/`).
      Silver: ["s3:GetObject", "s3:ListBucket", "s3:DeleteObject", "s3:PutObject"],
      SilverTargetPaths: silverTargetPaths,
      // Expiry keeps any version the catalog still points at.
      SilverTables: glueLocate,
    },
    states: ["FinishSilver"],
  },
  /**
   * Landing → bronze, per S3 ObjectCreated. Parquet is staged in /tmp before upload, hence the
   * ephemeral storage. Files over one row group (10k records) are encoded on a second thread,
   * which pays off from about 1,769 MB (one full vCPU) up; 1024 MB keeps small, frequent files cheap.
   */
  Ingest: {
    handler: "ingest.handler",
    memoryMB: 1024,
    timeoutSeconds: ingestTimeoutSeconds,
    storageMB: 2048,
    links: ["Landing", "Bronze", "Quarantine", "Ledger", "Idempotency"],
    access: {
      Landing: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
      Bronze: ["s3:PutObject"],
      Quarantine: ["s3:PutObject"],
      // Query and UpdateItem: a replaced landing key retires its older versions and marks a recompute.
      Ledger: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
      Idempotency: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      IngestFailures: ["sqs:SendMessage"],
    },
    delivery: ingestDelivery,
  },
  /** Re-drives landing objects whose ingestion was lost (no ledger entry after the grace period). */
  SweepLanding: {
    handler: "sweep.handler",
    memoryMB: 512,
    timeoutSeconds: 5 * 60,
    links: ["Landing", "Ledger"],
    access: {
      Landing: ["s3:ListBucket", "s3:GetObject", "s3:PutObject"],
      Ledger: ["dynamodb:GetItem"],
    },
    reservedConcurrency: 1,
    schedule: { cron: "15,45 * * * *", event: { graceSeconds: landingGraceSeconds } },
  },
  /**
   * `{ dataset, from?, to? }` → the dataset's quarantined records tried again under the current
   * spec (`medallion redrive`, or the console): what passes goes to bronze as new parts.
   */
  Redrive: {
    handler: "redrive.handler",
    memoryMB: 1024,
    timeoutSeconds: 15 * 60,
    storageMB: 2048,
    links: ["Landing", "Bronze", "Quarantine", "Ledger"],
    access: {
      // A file of `_failed/` that reaches bronze now moves to `_done/` (a copy not found is a 404 only with ListBucket).
      Landing: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
      Bronze: ["s3:PutObject"],
      Quarantine: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Ledger: ["dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"],
    },
    reservedConcurrency: 1,
    // `medallion redrive --stage <stage>` invokes it by name, from any machine (no SST outputs needed).
    fixedName: true,
  },
  /** `{ dataset }` → OPTIMIZE + VACUUM of the dataset's gold tables, nightly. */
  OptimizeGold: {
    handler: "gold.optimize",
    memoryMB: 512,
    timeoutSeconds: 15 * 60,
    links: ["Gold", "Silver", "AthenaResults", "Congregado", "JourneyControl", "GoldCatalog", "SchemaVersions"],
    // OPTIMIZE and VACUUM run on Athena only: DuckDB's gold tables on the embedded stack need neither.
    access: {
      AthenaWorkGroup: unexercised("OPTIMIZE and VACUUM run on Athena only", [
        "athena:StartQueryExecution",
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
      ]),
      AthenaResults: unexercised("OPTIMIZE and VACUUM run on Athena only", [
        "s3:GetBucketLocation",
        "s3:PutObject",
        "s3:GetObject",
      ]),
      GoldTables: unexercised("OPTIMIZE and VACUUM run on Athena only", [
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:UpdateTable",
      ]),
      Gold: unexercised("OPTIMIZE and VACUUM rewrite and expire the Iceberg tables' files", [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucket",
      ]),
    },
    service: "medallion-gold",
  },
  /**
   * Scheduled pull of one HTTP API source into landing. The timeout allows the page cap at the
   * source's timeout, with retries (the next tick resumes from the watermark anyway); one run
   * per source at a time, or the hourly and daily runs would race for the same watermark.
   */
  Pull: {
    handler: "pull.handler",
    memoryMB: 512,
    timeoutSeconds: 10 * 60,
    links: ["Landing", "Watermark"],
    access: {
      Landing: ["s3:PutObject"],
      Watermark: ["dynamodb:GetItem", "dynamodb:PutItem"],
    },
    reservedConcurrency: 1,
    service: "medallion-pull",
    perSource: true,
  },
} as const satisfies Record<string, FunctionDeclaration>;

/**
 * The state machine's rights: invoke its task functions, run the silver and gold statements
 * through Athena's `.sync` integration (Athena then reads bronze and silver, writes silver
 * versions, the gold Iceberg tables and results with these rights), read the rows of gold's
 * checks, counts and congregado (`athena:getQueryResults`), and deliver its execution logs.
 */
export const stateMachineAccess: Access = {
  TaskFunctions: ["lambda:InvokeFunction"],
  AthenaWorkGroup: [
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    { action: "athena:StopQueryExecution", unexercised: "Step Functions stops the query when an execution is aborted" },
  ],
  AthenaDataCatalog: [
    { action: "athena:GetDataCatalog", unexercised: "Athena resolves the query's catalog (AwsDataCatalog) first" },
  ],
  BronzeTables: ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
  SilverTables: ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
  GoldTables: ["glue:GetDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable"],
  Bronze: ["s3:GetObject", "s3:ListBucket"],
  Gold: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
  Silver: ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation"],
  SilverTargetPaths: ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation"],
  AthenaResults: [
    "s3:GetBucketLocation",
    "s3:PutObject",
    // Athena serves getQueryResults from the result object, with the caller's rights.
    "s3:GetObject",
    { action: "s3:AbortMultipartUpload", unexercised: "Athena aborts a result upload when a query fails" },
    { action: "s3:ListMultipartUploadParts", unexercised: "Athena writes large results in parts" },
  ],
  AnyResource: [
    { action: "lakeformation:GetDataAccess", unexercised: "where Lake Formation governs the catalog, Athena asks it" },
    ...unexercised("Step Functions delivers the execution logs to CloudWatch", [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]),
  ],
};

type Declared = typeof functions;

/** A function's logical name. */
export type FunctionName = keyof Declared;

/** A function behind one or more of the pipeline's Task states. */
export type TaskFunctionName = {
  [N in FunctionName]: Declared[N] extends { states: readonly string[] } ? N : never;
}[FunctionName];

/** A Task state of the pipeline that invokes a function. */
export type TaskStateName = Declared[TaskFunctionName]["states"][number];

/** The functions behind the pipeline's Task states, in declaration order. */
export const taskFunctionNames = (Object.keys(functions) as FunctionName[]).filter(
  (name): name is TaskFunctionName => "states" in functions[name],
);

/** The function each Task state invokes. */
export const functionOfState = Object.fromEntries(
  taskFunctionNames.flatMap((name) => functions[name].states.map((state) => [state, name])),
) as Record<TaskStateName, TaskFunctionName>;

/**
 * The function behind a Task state, with the memory it is deployed with (what Lambda bills its
 * invocations at), or undefined for a state no function backs.
 * @param state a state's name
 * @example deployedFunctionOf("CompleteJourney") // { function: "CompleteJourney", memoryMB: 512 }
 */
export function deployedFunctionOf(state: string): { function: TaskFunctionName; memoryMB: number } | undefined {
  const name: TaskFunctionName | undefined = functionOfState[state as TaskStateName];
  return name ? { function: name, memoryMB: functions[name].memoryMB } : undefined;
}

/**
 * A record with one value per task function, e.g. its ARN.
 * @param value the value of a function, by name
 * @example perTaskFunction((name) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`)
 */
export function perTaskFunction<T>(value: (name: TaskFunctionName) => T): Record<TaskFunctionName, T> {
  return Object.fromEntries(taskFunctionNames.map((name) => [name, value(name)])) as Record<TaskFunctionName, T>;
}
