import { randomUUID } from "node:crypto";
import type { Usage } from "@medallion/core/cost";
import { executionUsage } from "@medallion/core/cost";
import type { QueryResult, SqlEngine } from "@medallion/core/engine";
import type { AthenaResultSet, GoldPlan } from "@medallion/core/gold";
import { athena, jsonBytes, stepFunctions, utf8Bytes } from "@medallion/core/limits";
import type { WindowRequest } from "@medallion/core/schedule";
import type { SilverPlan } from "@medallion/core/silver";
import { renderAthena, type Statement } from "@medallion/core/sql";
import type { TaskFunctionName } from "@medallion/stacks/functions";
import { deployedFunctionOf, functions, perTaskFunction, taskFunctionNames } from "@medallion/stacks/functions";
import type { PipelineOutput } from "@medallion/stacks/output";
import { pipelineOutputSchema } from "@medallion/stacks/output";
import { pipelineDefinition, pipelineStates } from "@medallion/stacks/pipeline";
import type { State } from "@medallion/stacks/states";
import type { StateMachine } from "aws-local-stepfunctions";
import { LocalExecutionHistory } from "./history";
import type { InvocationReport } from "./invocations";
import { fitWarnings, measured } from "./invocations";
import { LOCAL_ACCOUNT, lambdaContext, localFunctionArn } from "./lambda-context";

/** A handler as the state machine invokes it. */
export type TaskHandler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/**
 * The in-process handlers behind the pipeline's Task states, by task function (as
 * `@medallion/stacks/functions` declares them), the engine that runs the statements Athena runs
 * on AWS (the RunSilverQuery and RunGold… tasks), and how stored silver and gold plans are read
 * (the local engine runs a statement's tree, which it finds by the Athena text the state hands it).
 */
export type PipelineHandlers = Record<TaskFunctionName, TaskHandler> & {
  engine: SqlEngine;
  loadPlan(key: string): Promise<SilverPlan>;
  loadGoldPlan(key: string): Promise<GoldPlan>;
  /** Called as the state machine reads a query's rows (athena:getQueryResults), to record the call. */
  readResults?(): void;
};

/** One state's progress, as the execution reports it. */
export interface StateEvent {
  state: string;
  event: "entered" | "succeeded" | "failed" | "retried";
  elapsedMs?: number;
  error?: string;
}

/** How an execution ended. */
export interface ExecutionOutcome {
  status: "SUCCEEDED" | "FAILED";
  /** A succeeded execution's output. */
  output?: PipelineOutput;
  error?: { Error: string; Cause: string };
  states: StateEvent[];
  durationMs: number;
  /** The largest input or output of any state, as Step Functions measures it (its limit: 256 KB). */
  largestState: { state: string; bytes: number };
  /** Events the execution's history would hold on Step Functions (its limit: 25,000). */
  historyEvents: number;
  /** Each Lambda invocation, measured against the deployed function's timeout and memory. */
  invocations: InvocationReport[];
  /** What would not fit on Lambda (see {@link fitWarnings}). */
  warnings: string[];
  /** The execution's name (unique): its id's last part. */
  name: string;
  /** The journey this execution started or resumed (not one it was refused or found completed). */
  journeyId?: string;
  /** State transitions and Lambda invocations, as Step Functions and Lambda bill them (read from its history). */
  usage: Usage;
}

/** An error as Step Functions names it (`States.DataLimitExceeded`, `Athena.InvalidRequestException`…). */
class StatesError extends Error {
  /** False when no catcher of the state may catch it (the local executor asks). */
  isCatchable = true;
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const DATA_LIMIT = "States.DataLimitExceeded";

// What a task of a failed Map's remaining iteration throws locally, where Step Functions would
// never start it. No Retry names it.
const MAP_STOPPED = "Local.MapIterationStopped";

// aws-local-stepfunctions, loaded when a first execution starts: with the Lambda client, the
// Cognito credential provider and asl-validator it brings, ~0.35 s of CPU a process that runs no
// pipeline (dev before its first run, query, status) never needs, and that `run` spends after
// ingestion began rather than before.
let runner: Promise<typeof import("aws-local-stepfunctions")> | undefined;
const stepFunctionsRunner = () => {
  runner ??= import("aws-local-stepfunctions");
  return runner;
};

/** The executor's Task handlers, by state name. */
type LocalTaskHandlers = NonNullable<
  NonNullable<NonNullable<Parameters<StateMachine["run"]>[1]>["overrides"]>["taskResourceLocalHandlers"]
>;

/**
 * A function's name on the embedded stack (`medallion-local-<kebab-case name>`), as Lambda
 * contexts and logs show it.
 * @param name the function's logical name
 */
export const localFunctionName = (name: string): string =>
  `medallion-local-${name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`;

/** The embedded stack's state machine's name, which its executions' ARNs name. */
export const LOCAL_STATE_MACHINE = "medallion-local-pipeline";

/** The Athena workgroup the embedded stack's state machine names (its queries run on DuckDB). */
export const LOCAL_WORKGROUP = "medallion-local";

// Local names stand in for the function ARNs; the overrides below map each Task to its handler.
const localPipelineDefinition = () =>
  pipelineDefinition({
    functionArns: perTaskFunction((name) => localFunctionArn(localFunctionName(name))),
    athenaWorkGroup: LOCAL_WORKGROUP,
  });

/**
 * Executes the pipeline's state machine once, in-process, with aws-local-stepfunctions: the
 * same definition Step Functions runs, its Lambda tasks mapped to the same handlers and its
 * Athena task to the local SQL engine.
 * @param options handlers, the execution's input, and a progress callback
 */
export async function executePipeline({
  handlers,
  input,
  onState,
  signal,
  histories = new Map(),
}: {
  handlers: PipelineHandlers;
  input: { dataset: string; window?: WindowRequest; at?: string; rebuild?: { id: string; from?: string; to?: string } };
  onState?: (event: StateEvent) => void;
  /** Ctrl-C: the execution stops, its journey is failed with "interrupted" and its lock released. */
  signal?: AbortSignal;
  /** Where the execution's history is kept while it runs, by its ARN (the GetExecutionHistory stand-in reads it). */
  histories?: Map<string, LocalExecutionHistory>;
}): Promise<ExecutionOutcome> {
  const started = Date.now();
  const S = pipelineStates;
  const definition = localPipelineDefinition();
  const stateDefinitions = definedStates(definition.States);
  // Step Functions stops a Map's other iterations once one fails. aws-local-stepfunctions aborts
  // only those already started and still starts the queued ones (with MaxConcurrency 1, all the
  // rest), which would run alongside the failure path and the next plan. So each task inside a
  // Map is refused from the moment an iteration of that Map failed until the Map is entered again.
  const mapOfState = new Map<string, string>();
  for (const [name, state] of stateDefinitions)
    if (state.Type === "Map")
      for (const inner of definedStates(state.ItemProcessor.States).keys()) mapOfState.set(inner, name);
  const stoppedMaps = new Set<string>();
  const unlessMapStopped = (handlers: LocalTaskHandlers): LocalTaskHandlers =>
    Object.fromEntries(
      Object.entries(handlers).map(([state, run]) => [
        state,
        async (event: Parameters<LocalTaskHandlers[string]>[0]) => {
          const map = mapOfState.get(state);
          if (map) {
            // The executor reports a failed iteration through promises only: one turn of the event
            // loop delivers it to the log reader below before this task decides to run.
            await new Promise((resolve) => setImmediate(resolve));
            if (stoppedMaps.has(map)) throw new StatesError(MAP_STOPPED, `${state}: an iteration of ${map} failed`);
          }
          return run(event);
        },
      ]),
    );
  const invocations: InvocationReport[] = [];
  const history = new LocalExecutionHistory(started);
  let journeyId: string | undefined;
  // The run's journey once started (what an interrupted execution fails), and the tasks in flight.
  let journey: { journey_id: string; run_id: string | null; duplicate?: boolean } | undefined;
  const inFlight = new Set<Promise<unknown>>();
  // Step Functions refuses a task's input or result over 256 KB, and States.ALL does not catch
  // that: only a catcher naming States.DataLimitExceeded does.
  const checkSize = (state: string, what: string, value: unknown) => {
    const bytes = jsonBytes(value);
    if (bytes <= stepFunctions.maxStateBytes) return;
    const error = new StatesError(
      DATA_LIMIT,
      `${state}: the ${what} is ${bytes} bytes, over Step Functions' ${stepFunctions.maxStateBytes}-byte limit`,
    );
    const state_ = stateDefinitions.get(state);
    error.isCatchable =
      !!state_ && "Catch" in state_ && (state_.Catch ?? []).some((c) => c.ErrorEquals.includes(DATA_LIMIT));
    throw error;
  };
  // Each invocation gets the deployed function's name and time budget, and is measured against them.
  const invoke = (name: TaskFunctionName, state: string) => async (event: unknown) => {
    checkSize(state, "task's input", event);
    let result: unknown;
    const context = lambdaContext(localFunctionName(name), functions[name].timeoutSeconds * 1000);
    const ended = history.invoking(state);
    const running = measured(
      name,
      () => handlers[name](event, context),
      (report) => invocations.push(report),
    );
    inFlight.add(running);
    try {
      result = await running;
      ended(true);
    } catch (error) {
      ended(false);
      throw asLambdaError(error);
    } finally {
      inFlight.delete(running);
    }
    if (name === "StartJourney") journey = result as typeof journey;
    checkSize(state, "task's result", result);
    const started_ = result as { journey_id?: string; duplicate?: boolean };
    if (state === S.StartJourney && started_.journey_id && !started_.duplicate) journeyId = started_.journey_id;
    return result as never;
  };
  // The plans whose statements the query states may run, by the Athena text of each, and the
  // rows of each query run, by its execution id, for athena:getQueryResults.
  // Each plan is rendered once per execution: every query state loads it (a five-year backfill:
  // 16 silver queries rendering the plan's 16 statements each).
  const statements = new Map<string, Statement>();
  const plansRendered = new Set<string>();
  const results = new Map<string, QueryResult>();
  // Not validated again on every execution (asl-validator compiles its JSON schemas each time:
  // ~1.7 s of a run's CPU): stacks/test/pipeline.test.ts validates the definition pipelineDefinition
  // builds, which differs here only in its ARNs and workgroup; Step Functions too checks it once, at deploy.
  const machine = new (await stepFunctionsRunner()).StateMachine(definition as never, {
    validationOptions: { noValidate: true },
  });
  const name = `${input.dataset}-${new Date(started).toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
  const executionArn = `arn:aws:states:us-east-1:${LOCAL_ACCOUNT}:execution:${LOCAL_STATE_MACHINE}:${name}`;
  histories.set(executionArn, history);
  const execution = machine.run(input, {
    // The context object Step Functions provides (execution id, start time).
    context: {
      Execution: {
        Id: executionArn,
        Name: name,
        StartTime: new Date(started).toISOString(),
        Input: input,
        RoleArn: "local",
      },
    } as never,
    overrides: {
      taskResourceLocalHandlers: unlessMapStopped({
        // Every Task state the function table declares, invoking its function's handler.
        ...Object.fromEntries(
          taskFunctionNames.flatMap((name) => functions[name].states.map((state) => [state, invoke(name, state)])),
        ),
        // The query's text comes from the plan; its tree is kept for the local engine.
        [S.LoadSilverQuery]: async (event) => {
          const output = (await invoke("LoadSilverQuery", S.LoadSilverQuery)(event)) as { sql: string };
          const key = (event as { plan_key: string }).plan_key;
          if (!plansRendered.has(`silver/${key}`)) {
            const plan = await handlers.loadPlan(key);
            for (const statement of plan.statements) statements.set(renderAthena(statement), statement);
            plansRendered.add(`silver/${key}`);
          }
          return output;
        },
        [S.RunSilverQuery]: (parameters) => runAthenaQuery(handlers.engine, statements, results, parameters),
        [S.GetSilverRowsWritten]: async (parameters) => {
          handlers.readResults?.();
          return getQueryResults(results, parameters) as never;
        },
        [S.LoadGoldQuery]: async (event) => {
          const output = (await invoke("LoadGoldQuery", S.LoadGoldQuery)(event)) as { sql: string };
          const key = (event as { plan_key: string }).plan_key;
          if (!plansRendered.has(`gold/${key}`)) {
            const plan = await handlers.loadGoldPlan(key);
            for (const step of plan.steps) statements.set(renderAthena(step.statement), step.statement);
            plansRendered.add(`gold/${key}`);
          }
          return output;
        },
        [S.RunGoldQuery]: (parameters) => runAthenaQuery(handlers.engine, statements, results, parameters),
        [S.RunGoldMerge]: (parameters) => runAthenaQuery(handlers.engine, statements, results, parameters),
        [S.GetGoldQueryResults]: async (parameters) => {
          handlers.readResults?.();
          return getQueryResults(results, parameters) as never;
        },
      }),
      // Retries wait 0.2 s locally instead of Step Functions' seconds; a run waiting for another's
      // dataset lock waits 1 s a time (20 attempts), as long as a loaded machine's run may hold it.
      retryIntervalOverrides: {
        ...Object.fromEntries(Object.values(S).map((name) => [name, 200])),
        [S.AcquireDatasetLock]: 1_000,
      },
      // As retries: a MERGE tried again after a lost commit race waits 0.2 s, not seconds.
      waitTimeOverrides: { [S.WaitBeforeGoldMerge]: 200 },
    },
  });

  const states: StateEvent[] = [];
  const enteredAt = new Map<string, number>();
  const failed = new Set<string>();
  const report = (event: StateEvent) => {
    states.push(event);
    onState?.(event);
  };
  let largestState = { state: "", bytes: 0 };
  let historyEvents = 0;
  // A limit the executor cannot raise itself (a state's whole input or output, the history):
  // the execution is stopped and fails with it.
  let overLimit: { Error: string; Cause: string } | undefined;
  const stop = (error: { Error: string; Cause: string }) => {
    overLimit ??= error;
    execution.abort();
  };
  const logs = (async () => {
    for await (const log of execution.eventLogs) {
      historyEvents += awsHistoryEvents(log);
      if (log.type === "MapIterationFailed") stoppedMaps.add(log.parentState.name);
      if (log.type === "StateEntered" && log.state.type === "Map") stoppedMaps.delete(log.state.name);
      if (log.type === "StateEntered") history.entered(log.state.name, log.state.type, log.timestamp);
      if (historyEvents > stepFunctions.maxHistoryEvents)
        stop({
          Error: "States.Runtime",
          Cause: `the execution's history reached ${historyEvents} events, over Step Functions' ${stepFunctions.maxHistoryEvents}`,
        });
      if (!("state" in log)) continue;
      const data = log.state as { input?: unknown; output?: unknown };
      for (const [what, value] of [
        ["input", log.type === "StateEntered" ? data.input : undefined],
        ["output", log.type === "StateExited" ? data.output : undefined],
      ] as const) {
        if (value === undefined) continue;
        const bytes = jsonBytes(value);
        if (bytes > largestState.bytes) largestState = { state: log.state.name, bytes };
        if (bytes > stepFunctions.maxStateBytes)
          stop({
            Error: DATA_LIMIT,
            Cause: `${log.state.name}: the state's ${what} is ${bytes} bytes, over Step Functions' ${stepFunctions.maxStateBytes}-byte limit`,
          });
      }
      if (log.state.type === "Choice" || log.state.type === "Pass") continue;
      // A stopped iteration's states are no part of the run's story.
      if (stoppedMaps.has(mapOfState.get(log.state.name) ?? "")) continue;
      const name = log.state.name;
      if (log.type === "StateEntered") {
        enteredAt.set(name, log.timestamp);
        failed.delete(name);
        report({ state: name, event: "entered" });
      } else if (log.type === "StateExited") {
        // A failure a Catch handled still exits the state: it did not succeed.
        if (!failed.has(name))
          report({
            state: name,
            event: "succeeded",
            elapsedMs: log.timestamp - (enteredAt.get(name) ?? log.timestamp),
          });
      } else if (log.type === "StateFailed") {
        failed.add(name);
        report({
          state: name,
          event: "failed",
          elapsedMs: log.timestamp - (enteredAt.get(name) ?? log.timestamp),
          error: `${log.Error}: ${String(log.Cause)}`,
        });
      } else if (log.type === "StateRetried") {
        failed.delete(name);
        report({ state: name, event: "retried" });
      }
    }
  })();

  // An interrupted execution: the task in flight finishes or fails (the engine was interrupted)
  // for at most a moment, then the journey is failed with "interrupted" and the lock released,
  // so the next run starts at once. The same handlers do it that the failure path uses.
  const windDown = async (reason: string): Promise<{ Error: string; Cause: string }> => {
    const error = { Error: "Interrupted", Cause: `interrupted (${reason}): the run stopped before it finished` };
    await Promise.race([
      Promise.allSettled([...inFlight]),
      new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
    ]);
    if (journey && !journey.duplicate) {
      const context = (name: TaskFunctionName) =>
        lambdaContext(localFunctionName(name), functions[name].timeoutSeconds * 1000);
      const ref = { journey_id: journey.journey_id, run_id: journey.run_id ?? undefined };
      // As the FailJourney state would: with the execution, whose history it records as the run's usage.
      await handlers
        .FailJourney({ ...ref, error, execution_arn: executionArn }, context("FailJourney"))
        .catch(() => undefined);
      await handlers
        .ReleaseDatasetLock({ dataset: input.dataset, owner: journey.run_id }, context("ReleaseDatasetLock"))
        .catch(() => undefined);
    }
    return error;
  };
  const onAbort = () => execution.abort();
  if (signal?.aborted) onAbort();
  signal?.addEventListener("abort", onAbort, { once: true });

  let result: unknown;
  // Called once, as the execution ends: its history is no longer in flight.
  const measures = () => {
    histories.delete(executionArn);
    return {
      states,
      durationMs: Date.now() - started,
      largestState,
      historyEvents,
      invocations,
      warnings: fitWarnings(invocations),
      name,
      journeyId,
      usage: executionUsage({ events: history.events(), functionOfState: deployedFunctionOf }).usage,
    };
  };
  try {
    result = await execution.result;
    await logs;
  } catch (error) {
    await logs.catch(() => undefined);
    if (signal?.aborted) {
      const interrupted = await windDown(String(signal.reason ?? "interrupted"));
      return { status: "FAILED", error: interrupted, ...measures() };
    }
    const failed = states.findLast((s) => s.event === "failed");
    const message = error instanceof Error ? error.message : String(error);
    return {
      status: "FAILED",
      error: overLimit ?? { Error: failedName(error), Cause: failed?.error ?? message },
      ...measures(),
    };
  }
  if (overLimit) return { status: "FAILED", error: overLimit, ...measures() };
  signal?.removeEventListener("abort", onAbort);
  // Outside the try: an output that breaks the contract is a bug to surface, not a failed run.
  return { status: "SUCCEEDED", output: pipelineOutputSchema.parse(result), ...measures() };
}

/**
 * The Athena task (`startQueryExecution.sync`) on the local engine: the same checks Athena
 * makes of the request (text size, token length, a database to run in), then the statement the
 * text was rendered from, in the engine's dialect; its rows are kept for `getQueryResults`, and its
 * statistics returned in Athena's QueryExecution shape. A
 * failed query fails the task as Step Functions reports it (`States.TaskFailed`).
 */
async function runAthenaQuery(
  engine: SqlEngine,
  statements: Map<string, Statement>,
  results: Map<string, QueryResult>,
  parameters: unknown,
): Promise<{
  QueryExecution: {
    QueryExecutionId: string;
    Status: { State: "SUCCEEDED" };
    Statistics: { DataScannedInBytes: number; EngineExecutionTimeInMillis: number };
  };
}> {
  const {
    QueryString = "",
    ClientRequestToken,
    QueryExecutionContext,
  } = parameters as {
    QueryString?: string;
    ClientRequestToken?: string;
    QueryExecutionContext?: { Database?: string };
  };
  const invalid = (message: string) => new StatesError("Athena.InvalidRequestException", message);
  const bytes = utf8Bytes(QueryString);
  if (bytes > athena.maxQueryBytes)
    throw invalid(
      `queryString is ${bytes} bytes: Member must have length less than or equal to ${athena.maxQueryBytes}`,
    );
  const { min, max } = athena.clientRequestToken;
  if (ClientRequestToken !== undefined && (ClientRequestToken.length < min || ClientRequestToken.length > max))
    throw invalid(
      `clientRequestToken of ${ClientRequestToken.length} characters: Member must have length between ${min} and ${max}`,
    );
  if (!QueryExecutionContext?.Database)
    throw new StatesError(
      "States.TaskFailed",
      "the query has no QueryExecutionContext: Athena runs it in database 'default', which no role of the lake may read (glue:GetDatabase on database/default)",
    );
  const statement = statements.get(QueryString);
  if (!statement) throw new Error("the Athena task: no planned statement renders as this query");
  let result: QueryResult;
  try {
    result = await engine.run(statement);
  } catch (error) {
    throw new StatesError("States.TaskFailed", error instanceof Error ? error.message : String(error));
  }
  const id = randomUUID();
  results.set(id, result);
  // As Athena reports a finished query: what it scanned (DuckDB's bytes read) and the engine's time.
  const Statistics = {
    DataScannedInBytes: result.statistics?.scannedBytes ?? 0,
    EngineExecutionTimeInMillis: result.statistics?.engineMs ?? 0,
  };
  return { QueryExecution: { QueryExecutionId: id, Status: { State: "SUCCEEDED" }, Statistics } };
}

// Athena's result types, as far as a JSON row tells them.
const athenaType = (values: unknown[]): string => {
  const present = values.filter((value) => value !== null && value !== undefined);
  if (present.length && present.every((value) => typeof value === "boolean")) return "boolean";
  if (present.length && present.every((value) => Number.isInteger(value))) return "bigint";
  if (present.length && present.every((value) => typeof value === "number")) return "double";
  return "varchar";
};

/**
 * The Athena task `getQueryResults` on the rows a local query returned: Athena's result set, a
 * header row of column names first, every value as text (NULL as no value), at most `MaxResults`
 * rows (the header counted), as Athena pages them.
 */
function getQueryResults(
  results: Map<string, QueryResult>,
  parameters: unknown,
): { ResultSet: AthenaResultSet; UpdateCount?: number } {
  const { QueryExecutionId = "", MaxResults = 1000 } = parameters as { QueryExecutionId?: string; MaxResults?: number };
  const result = results.get(QueryExecutionId);
  if (!result)
    throw new StatesError("Athena.InvalidRequestException", `QueryExecution ${QueryExecutionId} was not found`);
  if (!Number.isInteger(MaxResults) || MaxResults < 1 || MaxResults > 1000)
    throw new StatesError(
      "Athena.InvalidRequestException",
      `maxResults ${MaxResults}: Member must be between 1 and 1000`,
    );
  const text = (value: unknown) =>
    value === null || value === undefined
      ? {}
      : { VarCharValue: typeof value === "object" ? JSON.stringify(value) : String(value) };
  const rows = [
    { Data: result.columns.map((name) => ({ VarCharValue: name })) },
    ...result.rows.map((row) => ({ Data: result.columns.map((name) => text(row[name])) })),
  ].slice(0, MaxResults);
  return {
    ResultSet: {
      Rows: rows,
      ResultSetMetadata: {
        ColumnInfo: result.columns.map((name) => ({
          Name: name,
          Type: athenaType(result.rows.map((row) => row[name])),
        })),
      },
    },
    // What Athena reports of an UNLOAD, a CTAS or an INSERT: the rows it wrote.
    ...(result.rowsWritten === undefined ? {} : { UpdateCount: result.rowsWritten }),
  };
}

// Every state of a definition by name, inside Map states too.
function definedStates(states: Record<string, State>): Map<string, State> {
  const all = new Map<string, State>();
  for (const [name, state] of Object.entries(states)) {
    all.set(name, state);
    if (state.Type === "Map") for (const [inner, s] of definedStates(state.ItemProcessor.States)) all.set(inner, s);
  }
  return all;
}

/**
 * How many events of a Step Functions history one local event stands for: a Lambda or Athena
 * task is entered, scheduled, started, ended and exited (five); a Map adds its start and end and
 * each iteration's; other states enter and exit.
 */
function awsHistoryEvents(log: { type: string; state?: { type: string } }): number {
  switch (log.type) {
    case "ExecutionStarted":
    case "ExecutionSucceeded":
    case "ExecutionFailed":
    case "ExecutionAborted":
    case "ExecutionTimeout":
    case "MapIterationStarted":
    case "MapIterationSucceeded":
    case "MapIterationFailed":
      return 1;
    case "StateEntered":
      return log.state?.type === "Task" ? 4 : log.state?.type === "Map" ? 2 : 1;
    case "StateRetried":
      return log.state?.type === "Task" ? 3 : 1;
    case "StateExited":
      return log.state?.type === "Map" ? 2 : 1;
    default:
      return 0;
  }
}

/**
 * The error as Step Functions sees a failed Lambda: `Error` is the error's name (what Retry
 * and Catch match) and `Cause` the Lambda runtime's JSON `{ errorType, errorMessage, trace }`.
 */
function asLambdaError(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const cause = JSON.stringify({
    errorType: original.name,
    errorMessage: original.message,
    trace: (original.stack ?? "").split("\n").slice(1, 6),
  });
  const lambdaError = new Error(original.message, { cause });
  lambdaError.name = original.name;
  return lambdaError;
}

function failedName(error: unknown): string {
  const cause = (error as { cause?: { name?: string } } | undefined)?.cause;
  return cause?.name ?? (error instanceof Error ? error.name : "Error");
}
