import type { Catcher, Retrier, StateMachine } from "./states";
import { lambdaTask, retryTransient } from "./states";

/** What the pipeline's states call: function ARNs (names locally) and the Athena workgroup. */
export interface PipelineResources {
  functions: {
    window: string;
    journeyStart: string;
    journeyRecordStep: string;
    journeyComplete: string;
    journeyFail: string;
    lockAcquire: string;
    lockRelease: string;
    silverPlan: string;
    silverCommit: string;
    silverFinish: string;
    goldMerge: string;
  };
  athenaWorkGroup: string;
}

/** State names the local runtime maps to in-process handlers (and tests refer to). */
export const pipelineStates = {
  window: "ResolveWindow",
  start: "StartJourney",
  alreadyDone: "AlreadyCompleted?",
  lock: "AcquireDatasetLock",
  release: "ReleaseDatasetLock",
  releaseAfterFailure: "ReleaseDatasetLockAfterFailure",
  plan: "PlanSilver",
  anything: "AnythingPending?",
  runQuery: "RunSilverQuery",
  runQueries: "RunSilverQueries",
  commit: "CommitSilver",
  recordSilver: "RecordSilverStep",
  gold: "MergeGold",
  finish: "FinishSilver",
  more: "MorePending?",
  complete: "CompleteJourney",
  fail: "FailJourney",
} as const;

const S = pipelineStates;

// Any error after the journey started fails the journey with that error, then the execution.
const failJourney: Catcher = { ErrorEquals: ["States.ALL"], Next: S.fail, ResultPath: "$.error" };

// Athena: throttling and transient service errors are retried; a failed query is not (bad SQL or data).
const retryAthena: Retrier = {
  ErrorEquals: ["Athena.TooManyRequestsException", "Athena.InternalServerException", "ThrottlingException"],
  IntervalSeconds: 5,
  MaxAttempts: 5,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

const journeyRef = { "journey_id.$": "$.journey.journey_id", "run_id.$": "$.journey.run_id" };
const lockRef = { "dataset.$": "$.dataset", "owner.$": "$.journey.run_id" };

// Leases match the execution's time limit: a run holds its journey and its dataset lock for
// as long as it may run, and a crashed run's are taken over after that.
const EXECUTION_TIMEOUT_SECONDS = 6 * 3600;

// Another run of the same dataset (another window) holds the lock: wait for it.
const retryLockHeld: Retrier = {
  ErrorEquals: ["LockHeldError"],
  IntervalSeconds: 30,
  MaxAttempts: 20,
  BackoffRate: 1.5,
  MaxDelaySeconds: 300,
  JitterStrategy: "FULL",
};

/**
 * The pipeline of one dataset and window: resolve the window → start its journey (a
 * completed window is a no-op, one in progress is refused) → plan silver (pending bronze
 * files from the ledger) → nothing pending: complete → run the plan's queries on Athena
 * (the state machine waits, not a Lambda) → commit silver (swap partitions) → merge gold
 * (and save congregado) → mark the ledger → complete the journey. Any failure after
 * the journey started fails it with the error, then the execution fails.
 *
 * Input: `{ dataset, window?: "hourly" | "daily" | { from, to }, at?: ISO time }` (window
 * defaults to hourly, `at` to the execution's start).
 * @param resources function ARNs and the Athena workgroup
 */
export function pipelineDefinition({ functions: fn, athenaWorkGroup }: PipelineResources): StateMachine {
  return {
    Comment: "medallion: bronze → silver → gold for one dataset and window, with journey control",
    StartAt: S.window,
    TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
    States: {
      // The whole input goes to the window function, so `window` and `at` may be left out.
      [S.window]: lambdaTask(fn.window, { "input.$": "$", "startedAt.$": "$$.Execution.StartTime" }, "$.run", {
        Next: S.start,
      }),
      [S.start]: lambdaTask(
        fn.journeyStart,
        {
          "idempotency_key.$": "$.run.idempotencyKey",
          lease_seconds: EXECUTION_TIMEOUT_SECONDS,
          metadata: {
            job: "medallion-pipeline",
            processor: "step-functions",
            "dataset.$": "$.dataset",
            "window_kind.$": "$.run.kind",
            "window_from.$": "$.run.from",
            "window_to.$": "$.run.to",
            "execution.$": "$$.Execution.Id",
          },
        },
        "$.journey",
        // No Catch: a refused start (JourneyInProgressError) must not fail the run that holds the journey.
        { Next: S.alreadyDone },
      ),
      [S.alreadyDone]: {
        Type: "Choice",
        Comment: "A window already completed is a no-op.",
        Choices: [{ Variable: "$.journey.duplicate", BooleanEquals: true, Next: "AlreadyDone" }],
        Default: S.lock,
      },
      [S.lock]: lambdaTask(fn.lockAcquire, { ...lockRef, lease_seconds: EXECUTION_TIMEOUT_SECONDS }, "$.lock", {
        Next: S.plan,
        Catch: [failJourney],
        Retry: [retryTransient, retryLockHeld],
      }),
      AlreadyDone: { Type: "Succeed", Comment: "The window was already completed by an earlier run." },
      [S.plan]: lambdaTask(fn.silverPlan, { "dataset.$": "$.dataset" }, "$.plan", {
        Next: S.anything,
        Catch: [failJourney],
      }),
      [S.anything]: {
        Type: "Choice",
        Comment:
          "Nothing pending: complete and succeed. Pending files without a usable row: mark them, nothing to rewrite.",
        Choices: [
          { Variable: "$.plan.files[0]", IsPresent: false, Next: S.release },
          { Variable: "$.plan.version", IsNull: true, Next: S.finish },
        ],
        Default: S.runQueries,
      },
      [S.runQueries]: {
        Type: "Map",
        Comment: "The plan's statements, in order, on Athena; Step Functions waits for each (.sync).",
        ItemsPath: "$.plan.queries",
        ItemSelector: {
          "sql.$": "$$.Map.Item.Value",
          "index.$": "$$.Map.Item.Index",
          "version.$": "$.plan.version",
          "execution.$": "$$.Execution.Name",
        },
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: S.runQuery,
          States: {
            [S.runQuery]: {
              Type: "Task",
              Resource: "arn:aws:states:::athena:startQueryExecution.sync",
              Parameters: {
                "QueryString.$": "$.sql",
                WorkGroup: athenaWorkGroup,
                // Idempotent within this execution: a retried start returns the query already running.
                // The statement's index ends the token (the embedded stack reads it from there).
                "ClientRequestToken.$": "States.Format('{}-{}-{}', $.execution, $.version, $.index)",
              },
              ResultPath: null,
              Retry: [retryAthena],
              End: true,
            },
          },
        },
        ResultPath: null,
        Next: S.commit,
        Catch: [failJourney],
      },
      [S.commit]: lambdaTask(fn.silverCommit, "$.plan", "$.silver", {
        Next: S.recordSilver,
        Catch: [failJourney],
      }),
      [S.recordSilver]: lambdaTask(
        fn.journeyRecordStep,
        {
          ...journeyRef,
          // One silver step per plan version, however often the task is retried.
          "step_id.$": "States.Format('silver_consolidation-{}', $.plan.version)",
          step: {
            step: "silver_consolidation",
            status: "succeeded",
            layer: "silver",
            "dataset.$": "$.dataset",
            "partition.$": "$.silver.version",
            "records_in.$": "$.silver.rowsIn",
            "records_out.$": "$.silver.rowsOut",
            "details.$": "$.silver",
            "started_at.$": "$.plan.planned_at",
          },
        },
        null,
        { Next: S.gold, Catch: [failJourney] },
      ),
      // Gold records one journey step per table it merges (with its rows inserted/updated).
      [S.gold]: lambdaTask(
        fn.goldMerge,
        { ...journeyRef, "dataset.$": "$.dataset", "partitions.$": "$.plan.partitions" },
        "$.gold",
        {
          Next: S.finish,
          Catch: [failJourney],
          Retry: [
            retryTransient,
            {
              ErrorEquals: ["IcebergCommitConflictError"],
              IntervalSeconds: 5,
              MaxAttempts: 3,
              BackoffRate: 2,
              JitterStrategy: "FULL",
            },
          ],
        },
      ),
      // Only now are the plan's files marked consolidated: a failure before this point leaves
      // them pending, and the next run redoes silver (idempotent) and gold with them.
      [S.finish]: lambdaTask(fn.silverFinish, "$.plan", "$.finished", { Next: S.more, Catch: [failJourney] }),
      [S.more]: {
        Type: "Choice",
        Comment: "A backlog is taken a plan at a time (each plan is capped): plan again while files remain.",
        Choices: [{ Variable: "$.plan.more", BooleanEquals: true, Next: S.plan }],
        Default: S.release,
      },
      [S.release]: lambdaTask(fn.lockRelease, lockRef, null, { Next: S.complete, Catch: [failJourney] }),
      [S.complete]: lambdaTask(fn.journeyComplete, journeyRef, "$.completed", { End: true, Catch: [failJourney] }),
      [S.fail]: lambdaTask(fn.journeyFail, { ...journeyRef, "error.$": "$.error" }, "$.failed", {
        Next: S.releaseAfterFailure,
      }),
      // Best effort: a lock this run never took is left alone, and its lease bounds the rest.
      [S.releaseAfterFailure]: lambdaTask(fn.lockRelease, lockRef, null, {
        Next: "PipelineFailed",
        Catch: [{ ErrorEquals: ["States.ALL"], Next: "PipelineFailed", ResultPath: "$.releaseError" }],
      }),
      PipelineFailed: {
        Type: "Fail",
        Error: "PipelineFailed",
        Comment: "The journey was marked failed with the error; see it with `medallion journeys`.",
      },
    },
  };
}
