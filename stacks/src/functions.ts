import type { BucketName, TableName } from "@medallion/core/resources";

/**
 * Every Lambda the app deploys, declared once: infra creates each from its entry, the
 * pipeline's ASL names its Task states after it, the embedded stack invokes the same handler
 * for each state, and tests loop over it. Sizes are plain numbers so a local invocation can be
 * held against what the deployed function gets.
 */

/** A link, by name: a bucket or table of `@medallion/core/resources`, or the access to a catalog (infra/catalog.ts). */
export type LinkName = BucketName | TableName | "SilverCatalog" | "GoldCatalog";

/** Resources known only at deploy time, which infra resolves: the buckets of silver path targets outside the lake. */
export type ResourceSet = "SilverTargetPaths";

/** A right beyond the links: actions on a set of resources infra resolves (none when the set is empty). */
export interface Permission {
  actions: readonly string[];
  on: ResourceSet;
}

/** One Lambda: its handler, sizing, links and rights, and the pipeline states it backs. */
export interface FunctionDeclaration {
  /** `<file>.<export>` of `packages/functions/src`, e.g. `journey.start`. */
  handler: `${string}.${string}`;
  memoryMB: number;
  timeoutSeconds: number;
  /** Ephemeral /tmp, for handlers that stage files (Lambda's default otherwise: 512 MB). */
  storageMB?: number;
  /** Exactly the resources the handler uses. */
  links: readonly LinkName[];
  permissions?: readonly Permission[];
  /** At most this many invocations at once. */
  reservedConcurrency?: number;
  /** Powertools service name; default `medallion-<kebab-case name>`. */
  service?: string;
  /** The pipeline's Task states this function backs (`stacks/src/pipeline.ts`). */
  states?: readonly string[];
  /** Deployed once per HTTP source (`<name><Source>`, infra/sources.ts), each also linked to its source's secret. */
  perSource?: true;
}

const journey = ["JourneyControl"] as const;
// Plan reads the catalog through Athena (partition locations), whose results land in AthenaResults.
const silver = ["Bronze", "Silver", "AthenaResults", "Ledger", "SilverCatalog"] as const;
const gold = ["Gold", "Silver", "AthenaResults", "Congregado", "JourneyControl", "GoldCatalog"] as const;
// Silver path targets may live outside the lake's buckets: versions, manifests and Athena's UNLOAD write there.
const silverTargetPaths: Permission = {
  actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
  on: "SilverTargetPaths",
};

/** The app's functions, by logical name (the SST name; a pipeline task's name is its state's). */
export const functions = {
  /** `{ input, startedAt }` → the run's window and idempotency key (the pipeline's first state). */
  ResolveWindow: { handler: "window.resolve", memoryMB: 512, timeoutSeconds: 60, links: [], states: ["ResolveWindow"] },
  /** Starts (or resumes) the run's journey; a completed window is reported as a duplicate. */
  StartJourney: {
    handler: "journey.start",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: journey,
    states: ["StartJourney"],
  },
  /** Appends a step to the journey. */
  RecordJourneyStep: {
    handler: "journey.recordStep",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: journey,
    states: ["RecordSilverStep"],
  },
  /** Marks the journey completed. */
  CompleteJourney: {
    handler: "journey.complete",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: journey,
    states: ["CompleteJourney"],
  },
  /** Marks the journey failed with the error the state machine caught. */
  FailJourney: { handler: "journey.fail", memoryMB: 512, timeoutSeconds: 60, links: journey, states: ["FailJourney"] },
  /** Takes the dataset's consolidation lock: one run at a time rewrites its silver and gold. */
  AcquireDatasetLock: {
    handler: "lock.acquire",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: ["Lock"],
    states: ["AcquireDatasetLock"],
  },
  /** Releases it, on the way out and, best effort, after a failure. */
  ReleaseDatasetLock: {
    handler: "lock.release",
    memoryMB: 512,
    timeoutSeconds: 60,
    links: ["Lock"],
    states: ["ReleaseDatasetLock", "ReleaseDatasetLockAfterFailure"],
  },
  /** Pending files from the ledger, affected partitions, the statements Athena runs. */
  PlanSilver: {
    handler: "silver.plan",
    memoryMB: 1024,
    timeoutSeconds: 5 * 60,
    links: silver,
    permissions: [silverTargetPaths],
    states: ["PlanSilver"],
  },
  /** Swaps the partition locations to the written version (the ledger is marked after gold). */
  CommitSilver: {
    handler: "silver.commit",
    memoryMB: 1024,
    timeoutSeconds: 15 * 60,
    links: silver,
    permissions: [silverTargetPaths],
    states: ["CommitSilver"],
  },
  /** `{ dataset, partitions }` → gold merged and congregados saved; waits for Athena (a MERGE over many months takes minutes). */
  MergeGold: {
    handler: "gold.merge",
    memoryMB: 512,
    timeoutSeconds: 15 * 60,
    links: gold,
    service: "medallion-gold",
    states: ["MergeGold"],
  },
  /** After gold: marks the plan's ledger entries consolidated and expires old silver versions. */
  FinishSilver: {
    handler: "silver.finish",
    memoryMB: 1024,
    timeoutSeconds: 15 * 60,
    links: ["Silver", "AthenaResults", "Ledger", "SilverCatalog"],
    permissions: [silverTargetPaths],
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
    timeoutSeconds: 10 * 60,
    storageMB: 2048,
    links: ["Landing", "Bronze", "Quarantine", "Ledger", "Idempotency"],
  },
  /** `{ dataset }` → OPTIMIZE + VACUUM of the dataset's gold tables, nightly. */
  OptimizeGold: {
    handler: "gold.optimize",
    memoryMB: 512,
    timeoutSeconds: 15 * 60,
    links: gold,
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
    reservedConcurrency: 1,
    service: "medallion-pull",
    perSource: true,
  },
} as const satisfies Record<string, FunctionDeclaration>;

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
 * A record with one value per task function, e.g. its ARN.
 * @param value the value of a function, by name
 * @example perTaskFunction((name) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`)
 */
export function perTaskFunction<T>(value: (name: TaskFunctionName) => T): Record<TaskFunctionName, T> {
  return Object.fromEntries(taskFunctionNames.map((name) => [name, value(name)])) as Record<TaskFunctionName, T>;
}
