import { ATHENA_DATA_CATALOG } from "@medallion/core/engine";
import { athena } from "@medallion/core/limits";
import type { TaskFunctionName, TaskStateName } from "./functions";
import { functionOfState, functions } from "./functions";
import type { Catcher, Flow, Retrier, StateMachine, TaskState } from "./states";
import { lambdaTask, retryTransient } from "./states";

/** What the pipeline's states call: each task function's ARN (any name locally) and the Athena workgroup. */
export interface PipelineResources {
  functionArns: Record<TaskFunctionName, string>;
  athenaWorkGroup: string;
}

const taskStates = Object.fromEntries(Object.keys(functionOfState).map((state) => [state, state])) as {
  [S in TaskStateName]: S;
};

/**
 * Every state of the pipeline, by name: the Task states of `./functions` and the flow between
 * them. The local runtime maps Task states to in-process handlers by these names, and tests refer to them.
 */
export const pipelineStates = {
  ...taskStates,
  AlreadyCompleted: "AlreadyCompleted?",
  AlreadyDone: "AlreadyDone",
  AnythingPending: "AnythingPending?",
  IsRebuild: "IsRebuild?",
  RunSilverQueries: "RunSilverQueries",
  RunSilverQuery: "RunSilverQuery",
  GetSilverRowsWritten: "GetSilverRowsWritten",
  RunGoldStatements: "RunGoldStatements",
  IsGoldMerge: "IsGoldMerge?",
  RunGoldMerge: "RunGoldMerge",
  GoldMergeLost: "GoldMergeLost?",
  GoldMergeFailed: "GoldMergeFailed",
  CountGoldMergeAttempt: "CountGoldMergeAttempt",
  WaitBeforeGoldMerge: "WaitBeforeGoldMerge",
  RunGoldQuery: "RunGoldQuery",
  ReadsGoldRows: "ReadsGoldRows?",
  GetGoldQueryResults: "GetGoldQueryResults",
  GoldStatementDone: "GoldStatementDone",
  MorePending: "MorePending?",
  PlanAgain: "PlanAgain?",
  PipelineFailed: "PipelineFailed",
} as const;

const S = pipelineStates;

// Any error after the journey started counts against the files of the silver plan in hand (if
// any; RecordPlanFailure): a failure that may come from their data plans again without them
// (PlanAgain?), any other fails the journey with that error, then the execution.
// States.ALL does not catch States.DataLimitExceeded (an oversized state): it is named first.
const failJourney: Catcher[] = [
  { ErrorEquals: ["States.DataLimitExceeded"], Next: S.FailJourney, ResultPath: "$.error" },
  { ErrorEquals: ["States.ALL"], Next: S.RecordPlanFailure, ResultPath: "$.error" },
];

// Athena: throttling and transient service errors are retried, as Step Functions names them
// (`Athena.<exception>`); a failed query is not (bad SQL or data).
const retryAthena: Retrier = {
  ErrorEquals: [
    "Athena.TooManyRequestsException",
    "Athena.ThrottlingException",
    "Athena.InternalServerException",
    "Athena.AmazonAthenaException",
  ],
  IntervalSeconds: 5,
  MaxAttempts: 5,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

// Athena's run-a-job integration: Step Functions starts the query and waits for it to end.
const ATHENA_SYNC = "arn:aws:states:::athena:startQueryExecution.sync";

// A failed query reaches Step Functions as States.TaskFailed, its reason (ICEBERG_COMMIT_ERROR
// when another writer committed first) only in the Cause, which Retry cannot match. Tried again on
// the MERGE state alone: its source was just read by the counts statement, so a failing MERGE is
// a lost commit race, and a MERGE is idempotent (it recomputes from silver). Not by Retry: each
// new attempt goes back through RenewGoldLeases, so attempts of up to an Athena query's timeout
// each never outlast the run's lease. The waits before attempts 2, 3 and 4 (seconds).
const GOLD_MERGE_WAITS = [10, 20, 40] as const;

// What the pipeline keeps of a finished Athena query (the QueryExecution repeats the query text):
// its statistics, which the step recording the plan's work turns into usage (`@medallion/core/cost`).
// Each query state ends its Map iteration with them alone, so a Map's result is one small object per statement.
const athenaStatistics = {
  "DataScannedInBytes.$": "$.QueryExecution.Statistics.DataScannedInBytes",
  "EngineExecutionTimeInMillis.$": "$.QueryExecution.Statistics.EngineExecutionTimeInMillis",
};

const journeyRef = { "journey_id.$": "$.journey.journey_id", "run_id.$": "$.journey.run_id" };
const lockRef = { "dataset.$": "$.dataset", "owner.$": "$.journey.run_id" };
// The states that end a run read its execution's history, to record what it used.
const runEndRef = { ...journeyRef, "execution_arn.$": "$$.Execution.Id" };

/**
 * How often one run may plan again after a plan failed from its data: each failed plan's files
 * are counted, and the planner bisects them, so a poison file among 2^n ends alone and set aside
 * within about n + 2 failed plans, while a failure of everything (not the data's) ends the run
 * FAILED after this many. A poison not isolated within the cap is, by the next runs (the counts
 * persist in the ledger).
 */
export const maxReplansPerRun = 5;

// How long an execution may run: a backlog is taken plan after plan within it.
const EXECUTION_TIMEOUT_SECONDS = 6 * 3600;

// Step Functions waits for an Athena query as long as Athena lets it run, and no longer.
const ATHENA_QUERY_TIMEOUT_SECONDS = athena.queryTimeoutSeconds;

// What the lease allows beyond the longest state, for the short Lambda states around it.
const LEASE_MARGIN_SECONDS = 10 * 60;

/**
 * The lease (seconds) of a run's journey and dataset lock. A run renews both (the RenewRunLeases
 * task) in every iteration of its query Maps, just before the statement runs, and after each Map,
 * so between two renewals runs at most one long state (an Athena query, or one Lambda of up to
 * 15 minutes) and a few short ones: the lease is the longest state's timeout plus a margin for
 * those. A parallel heartbeat branch would renew during the wait itself, but it cannot end with
 * the work (branches share nothing until both end), and its Wait loop would add history events
 * for as long as the run lives. A run that crashes (or is stopped) stops renewing, and the next
 * run takes its lock and journey over once this lease lapses: within minutes, not hours.
 */
export const runLeaseSeconds =
  Math.max(ATHENA_QUERY_TIMEOUT_SECONDS, ...Object.values(functionOfState).map((f) => functions[f].timeoutSeconds)) +
  LEASE_MARGIN_SECONDS;

/**
 * What each iteration of a statement Map gets: its statement's index in the stored plan (at
 * `plan`), the plan's key and database, and what its states need of the run (the execution's
 * name for query tokens, the dataset and journey for the lease heartbeat).
 */
function statementItem(plan: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "index.$": "$$.Map.Item.Value",
    "plan_key.$": `${plan}.plan_key`,
    "database.$": `${plan}.database`,
    ...extra,
    "execution.$": "$$.Execution.Name",
    "dataset.$": "$.dataset",
    "journey.$": "$.journey",
  };
}

// The heartbeat's input, from the run's state (and in a Map iteration, from its item).
const leaseRef = {
  "dataset.$": "$.dataset",
  "owner.$": "$.journey.run_id",
  "journey_id.$": "$.journey.journey_id",
  lease_seconds: runLeaseSeconds,
};

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
 * completed window is a no-op, one in progress is refused) → take the dataset's lock → check
 * the spec against the applied schema (refused changes fail here, before any write) → plan silver (pending bronze
 * files from the ledger) → nothing pending: complete → run the plan's queries on Athena
 * (the state machine waits, not a Lambda) → commit silver (swap partitions) → plan gold, run
 * its statements on Athena, finish it (counts, congregados, journey steps) → mark the ledger →
 * complete the journey. Any failure after
 * the journey started fails it with the error, then the execution fails.
 *
 * Input: `{ dataset, window?: "hourly" | "daily" | { from, to }, at?: ISO time, rebuild?: { id,
 * from?, to? } }` (window defaults to hourly, `at` to the execution's start). A rebuild makes
 * every bronze file pending again, then recomputes the silver partitions of its range (event days)
 * from all of them under the current spec, in the same capped plans, and the gold windows they feed.
 * @param resources the task functions' ARNs and the Athena workgroup
 */
export function pipelineDefinition({ functionArns, athenaWorkGroup }: PipelineResources): StateMachine {
  // A Lambda Task state, invoking the function the table declares behind it.
  const task = (
    state: TaskStateName,
    payload: Record<string, unknown> | string,
    resultPath: string | null,
    flow: Flow & Pick<TaskState, "Catch" | "Retry" | "OutputPath">,
  ): Record<string, TaskState> => {
    const name = functionOfState[state];
    // Step Functions waits as long as the function may run (its default would be unbounded, the local executor's 60 s).
    return {
      [state]: {
        ...lambdaTask(functionArns[name], payload, resultPath, flow),
        TimeoutSeconds: functions[name].timeoutSeconds,
      },
    };
  };
  // An Athena query of a plan, started in the dataset's database (without a context Athena
  // uses `default`), with the idempotency token given, if any.
  const athenaQuery = (token?: string): Record<string, unknown> => ({
    "QueryString.$": "$.query.sql",
    WorkGroup: athenaWorkGroup,
    QueryExecutionContext: { Catalog: ATHENA_DATA_CATALOG, "Database.$": "$.database" },
    ...(token === undefined ? {} : { "ClientRequestToken.$": token }),
  });
  return {
    Comment: "medallion: bronze → silver → gold for one dataset and window, with journey control",
    StartAt: S.ResolveWindow,
    TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS,
    States: {
      // The whole input goes to the window function, so `window` and `at` may be left out.
      ...task(S.ResolveWindow, { "input.$": "$", "startedAt.$": "$$.Execution.StartTime" }, "$.run", {
        Next: S.StartJourney,
      }),
      ...task(
        S.StartJourney,
        {
          "idempotency_key.$": "$.run.idempotencyKey",
          lease_seconds: runLeaseSeconds,
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
        { Next: S.AlreadyCompleted },
      ),
      [S.AlreadyCompleted]: {
        Type: "Choice",
        Comment: "A window already completed is a no-op.",
        Choices: [{ Variable: "$.journey.duplicate", BooleanEquals: true, Next: S.AlreadyDone }],
        Default: S.AcquireDatasetLock,
      },
      ...task(S.AcquireDatasetLock, { ...lockRef, lease_seconds: runLeaseSeconds }, "$.lock", {
        Next: S.CheckSchema,
        Catch: failJourney,
        Retry: [retryTransient, retryLockHeld],
      }),
      // Before anything is written: compatible spec changes are recorded as a new schema version,
      // others fail the run (and its journey) naming the change and the command that handles it.
      ...task(S.CheckSchema, { "dataset.$": "$.dataset", "rebuild.$": "$.run.rebuild" }, "$.schema", {
        Next: S.RecordSchemaStep,
        Catch: failJourney,
        Retry: [retryTransient],
      }),
      ...task(
        S.RecordSchemaStep,
        {
          ...journeyRef,
          "step_id.$": "States.Format('schema_check-{}', $.schema.version)",
          step: {
            step: "schema_check",
            status: "succeeded",
            "dataset.$": "$.dataset",
            "partition.$": "States.Format('schema v{}', $.schema.version)",
            "details.$": "$.schema",
            "started_at.$": "$.schema.checked_at",
          },
        },
        null,
        { Next: S.IsRebuild, Catch: failJourney },
      ),
      [S.IsRebuild]: {
        Type: "Choice",
        Comment: "A rebuild makes every bronze file pending again first; then plans take them as for a normal run.",
        Choices: [{ Variable: "$.run.rebuild", IsNull: true, Next: S.PlanSilver }],
        Default: S.StartRebuild,
      },
      ...task(S.StartRebuild, { "dataset.$": "$.dataset", "rebuild.$": "$.run.rebuild" }, "$.rebuilding", {
        Next: S.PlanSilver,
        Catch: failJourney,
      }),
      [S.AlreadyDone]: { Type: "Succeed", Comment: "The window was already completed by an earlier run." },
      ...task(S.PlanSilver, { "dataset.$": "$.dataset", "rebuild.$": "$.run.rebuild" }, "$.plan", {
        Next: S.AnythingPending,
        Catch: failJourney,
      }),
      [S.AnythingPending]: {
        Type: "Choice",
        Comment:
          "Nothing pending: complete and succeed. Pending files without a usable row: mark them, nothing to rewrite.",
        Choices: [
          { Variable: "$.plan.file_count", NumericEquals: 0, Next: S.ReleaseDatasetLock },
          { Variable: "$.plan.version", IsNull: true, Next: S.FinishSilver },
        ],
        Default: S.RunSilverQueries,
      },
      [S.RunSilverQueries]: {
        Type: "Map",
        Comment:
          "The plan's statements, in order, on Athena; Step Functions waits for each (.sync). Items are indexes: the state never holds the plan.",
        ItemsPath: "$.plan.queries",
        ItemSelector: statementItem("$.plan", { "version.$": "$.plan.version" }),
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: S.RenewSilverLeases,
          States: {
            ...task(S.RenewSilverLeases, leaseRef, null, { Next: S.LoadSilverQuery }),
            ...task(S.LoadSilverQuery, { "plan_key.$": "$.plan_key", "index.$": "$.index" }, "$.query", {
              Next: S.RunSilverQuery,
            }),
            [S.RunSilverQuery]: {
              Type: "Task",
              Resource: ATHENA_SYNC,
              TimeoutSeconds: ATHENA_QUERY_TIMEOUT_SECONDS,
              // Idempotent within this execution: a retried start returns the query already running.
              // A hash, so its length (64) is within Athena's 32–128 whatever the execution's name.
              Parameters: athenaQuery(
                "States.Hash(States.Format('{}-{}-{}', $.execution, $.version, $.index), 'SHA-256')",
              ),
              ResultSelector: { "id.$": "$.QueryExecution.QueryExecutionId", statistics: athenaStatistics },
              ResultPath: "$.athena",
              Retry: [retryAthena],
              Next: S.GetSilverRowsWritten,
            },
            // The rows the UNLOAD wrote (Athena's UpdateCount; its result set is empty), kept beside
            // its statistics: the commit sums them rather than reading back every file written.
            [S.GetSilverRowsWritten]: {
              Type: "Task",
              Resource: "arn:aws:states:::athena:getQueryResults",
              Parameters: { "QueryExecutionId.$": "$.athena.id", MaxResults: 1 },
              ResultSelector: { "Rows.$": "$.UpdateCount" },
              ResultPath: "$.athena.statistics.Written",
              OutputPath: "$.athena.statistics",
              Retry: [retryAthena],
              End: true,
            },
          },
        },
        // One statistics object per statement, in the plan's order (a plan's statements are capped).
        ResultPath: "$.silverQueries",
        Next: S.RenewLeasesAfterSilver,
        Catch: failJourney,
      },
      ...task(S.RenewLeasesAfterSilver, leaseRef, null, {
        Next: S.CommitSilver,
        Catch: failJourney,
      }),
      ...task(S.CommitSilver, { "plan.$": "$.plan", "queries.$": "$.silverQueries" }, "$.silver", {
        Next: S.RecordSilverStep,
        Catch: failJourney,
      }),
      ...task(
        S.RecordSilverStep,
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
          // The plan's Athena queries: their usage is the step's.
          "queries.$": "$.silverQueries",
        },
        null,
        { Next: S.PlanGold, Catch: failJourney },
      ),
      // Gold: PlanGold stores the plan beside silver's; its statements run on Athena, one at a
      // time, each waited for by the state machine (no Lambda waits); FinishGold sums the counts,
      // saves each table's congregado and records one journey step per table.
      ...task(S.PlanGold, { "dataset.$": "$.dataset", "plan_key.$": "$.plan.plan_key" }, "$.goldPlan", {
        Next: S.RunGoldStatements,
        Catch: failJourney,
      }),
      [S.RunGoldStatements]: {
        Type: "Map",
        Comment:
          "The gold plan's statements, in order, on Athena (.sync): creates, key checks (before any MERGE), counts, MERGEs, the congregado's bounded count and sample. Items are indexes: the state never holds the plan.",
        ItemsPath: "$.goldPlan.steps",
        // A MERGE's attempts so far (a lost commit race is tried again).
        ItemSelector: { ...statementItem("$.goldPlan"), merge: { attempts: 0 } },
        MaxConcurrency: 1,
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: S.RenewGoldLeases,
          States: {
            ...task(S.RenewGoldLeases, leaseRef, null, { Next: S.LoadGoldQuery }),
            ...task(S.LoadGoldQuery, { "plan_key.$": "$.plan_key", "index.$": "$.index" }, "$.query", {
              Next: S.IsGoldMerge,
            }),
            [S.IsGoldMerge]: {
              Type: "Choice",
              Comment: "A MERGE may lose an Iceberg commit race and is retried; other statements are not.",
              Choices: [{ Variable: "$.query.kind", StringEquals: "merge", Next: S.RunGoldMerge }],
              Default: S.RunGoldQuery,
            },
            [S.RunGoldMerge]: {
              Type: "Task",
              Resource: ATHENA_SYNC,
              TimeoutSeconds: ATHENA_QUERY_TIMEOUT_SECONDS,
              // No ClientRequestToken: a retry after a commit conflict must start a new query, not get the failed one back.
              Parameters: athenaQuery(),
              ResultSelector: { statistics: athenaStatistics },
              ResultPath: "$.athena",
              OutputPath: "$.athena.statistics",
              Retry: [retryAthena],
              Catch: [{ ErrorEquals: ["States.TaskFailed"], ResultPath: "$.conflict", Next: S.GoldMergeLost }],
              End: true,
            },
            [S.GoldMergeLost]: {
              Type: "Choice",
              Comment: "A lost commit race: tried again, after a wait and a lease renewal, until the attempts run out.",
              Choices: [
                {
                  Variable: "$.merge.attempts",
                  NumericGreaterThanEquals: GOLD_MERGE_WAITS.length,
                  Next: S.GoldMergeFailed,
                },
              ],
              Default: S.CountGoldMergeAttempt,
            },
            [S.CountGoldMergeAttempt]: {
              Type: "Pass",
              Parameters: {
                "attempts.$": "States.MathAdd($.merge.attempts, 1)",
                "wait_seconds.$": `States.ArrayGetItem(States.Array(${GOLD_MERGE_WAITS.join(", ")}), $.merge.attempts)`,
              },
              ResultPath: "$.merge",
              Next: S.WaitBeforeGoldMerge,
            },
            [S.WaitBeforeGoldMerge]: { Type: "Wait", SecondsPath: "$.merge.wait_seconds", Next: S.RenewGoldLeases },
            [S.GoldMergeFailed]: { Type: "Fail", ErrorPath: "$.conflict.Error", CausePath: "$.conflict.Cause" },
            [S.RunGoldQuery]: {
              Type: "Task",
              Resource: ATHENA_SYNC,
              TimeoutSeconds: ATHENA_QUERY_TIMEOUT_SECONDS,
              Parameters: athenaQuery(
                "States.Hash(States.Format('{}-{}-{}', $.execution, $.plan_key, $.index), 'SHA-256')",
              ),
              // Only the query's id and statistics are kept (the result repeats the query text).
              ResultSelector: { "id.$": "$.QueryExecution.QueryExecutionId", statistics: athenaStatistics },
              ResultPath: "$.athena",
              Retry: [retryAthena],
              Next: S.ReadsGoldRows,
            },
            [S.ReadsGoldRows]: {
              Type: "Choice",
              Choices: [{ Variable: "$.query.reads", BooleanEquals: true, Next: S.GetGoldQueryResults }],
              Default: S.GoldStatementDone,
            },
            [S.GetGoldQueryResults]: {
              Type: "Task",
              Resource: "arn:aws:states:::athena:getQueryResults",
              // Bounded by the statement (one row, or its LIMIT) plus Athena's header row.
              Parameters: { "QueryExecutionId.$": "$.athena.id", "MaxResults.$": "$.query.max_rows" },
              ResultSelector: { "ResultSet.$": "$.ResultSet" },
              ResultPath: "$.result",
              Retry: [retryAthena],
              Next: S.RecordGoldResult,
            },
            ...task(
              S.RecordGoldResult,
              { "plan_key.$": "$.plan_key", "index.$": "$.index", "result.$": "$.result.ResultSet" },
              null,
              { End: true, OutputPath: "$.athena.statistics" },
            ),
            [S.GoldStatementDone]: { Type: "Succeed", OutputPath: "$.athena.statistics" },
          },
        },
        // One statistics object per statement, in the plan's order: FinishGold gives each table its queries' usage.
        ResultPath: "$.goldQueries",
        Next: S.RenewLeasesAfterGold,
        Catch: failJourney,
      },
      ...task(S.RenewLeasesAfterGold, leaseRef, null, {
        Next: S.FinishGold,
        Catch: failJourney,
      }),
      ...task(
        S.FinishGold,
        {
          ...journeyRef,
          "dataset.$": "$.dataset",
          "plan_key.$": "$.goldPlan.plan_key",
          "queries.$": "$.goldQueries",
        },
        "$.gold",
        {
          Next: S.FinishSilver,
          Catch: failJourney,
        },
      ),
      // Only now are the plan's files marked consolidated: a failure before this point leaves
      // them pending, and the next run redoes silver (idempotent) and gold with them.
      ...task(S.FinishSilver, "$.plan", "$.finished", { Next: S.MorePending, Catch: failJourney }),
      [S.MorePending]: {
        Type: "Choice",
        Comment: "A backlog is taken a plan at a time (each plan is capped): plan again while files remain.",
        Choices: [{ Variable: "$.plan.more", BooleanEquals: true, Next: S.PlanSilver }],
        Default: S.ReleaseDatasetLock,
      },
      ...task(S.ReleaseDatasetLock, lockRef, null, { Next: S.CompleteJourney, Catch: failJourney }),
      ...task(S.CompleteJourney, runEndRef, "$.completed", { End: true, Catch: failJourney }),
      // Counts the failure on the plan's files (best effort: the journey is failed whether or not
      // it could be), and says whether it may come from their data.
      ...task(S.RecordPlanFailure, "$", "$.setAside", {
        Next: S.PlanAgain,
        Catch: [{ ErrorEquals: ["States.ALL"], Next: S.FailJourney, ResultPath: "$.setAsideError" }],
      }),
      [S.PlanAgain]: {
        Type: "Choice",
        Comment: `A plan that failed from its data: plan again without its suspect files (bisected, a lone one set aside), at most ${maxReplansPerRun} times a run.`,
        Choices: [
          { Variable: "$.setAside.failed_plans", NumericGreaterThan: maxReplansPerRun, Next: S.FailJourney },
          { Variable: "$.setAside.replan", BooleanEquals: true, Next: S.PlanSilver },
        ],
        Default: S.FailJourney,
      },
      ...task(S.FailJourney, { ...runEndRef, "error.$": "$.error" }, "$.failed", {
        Next: S.ReleaseDatasetLockAfterFailure,
      }),
      // Best effort: a lock this run never took is left alone, and its lease bounds the rest.
      ...task(S.ReleaseDatasetLockAfterFailure, lockRef, null, {
        Next: S.PipelineFailed,
        Catch: [
          { ErrorEquals: ["States.DataLimitExceeded"], Next: S.PipelineFailed, ResultPath: "$.releaseError" },
          { ErrorEquals: ["States.ALL"], Next: S.PipelineFailed, ResultPath: "$.releaseError" },
        ],
      }),
      [S.PipelineFailed]: {
        Type: "Fail",
        Error: "PipelineFailed",
        Comment: "The journey was marked failed with the error; see it with `medallion journeys`.",
      },
    },
  };
}
