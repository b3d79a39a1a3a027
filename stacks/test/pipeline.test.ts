import aslValidator from "asl-validator";
import { describe, expect, it } from "vitest";
import { functions, perTaskFunction, taskFunctionNames } from "../src/functions";
import { maxReplansPerRun, pipelineDefinition, pipelineStates, runLeaseSeconds } from "../src/pipeline";
import type { State, TaskState } from "../src/states";

const arn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:medallion-prod-${name}`;
const definition = pipelineDefinition({
  functionArns: perTaskFunction(arn),
  athenaWorkGroup: "medallion-prod",
});

function allStates(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...(state.Type === "Map" ? allStates(state.ItemProcessor.States) : []),
  ]);
}

// The most seconds a path from `start` may take when each state on it runs to its timeout.
function longestSeconds(states: Record<string, State>, start: string): number {
  const state = states[start];
  if (!state) return 0;
  const next = [
    ...("Next" in state && state.Next ? [state.Next] : []),
    ...("Default" in state && state.Default ? [state.Default] : []),
    ...("Choices" in state ? state.Choices.map((choice) => choice.Next) : []),
  ];
  const own = "TimeoutSeconds" in state ? (state.TimeoutSeconds ?? 0) : 0;
  return own + Math.max(0, ...next.map((name) => longestSeconds(states, name)));
}

describe("pipelineDefinition", () => {
  it("is valid Amazon States Language (asl-validator, JSON paths and ARNs checked)", () => {
    // Act
    const { isValid, errorsText } = aslValidator(JSON.parse(JSON.stringify(definition)));
    // Assess
    expect(errorsText()).toBe("");
    expect(isValid).toBe(true);
  });

  it("fails the journey on any error after it started, but never on a refused start", () => {
    // Prepare
    const tasks = allStates(definition.States).filter(([, state]) => state.Type === "Task" || state.Type === "Map") as [
      string,
      TaskState,
    ][];
    // Before the journey exists, the failure path itself, and the query inside the Map (the Map catches).
    const beforeJourney = new Set<string>([
      pipelineStates.ResolveWindow,
      pipelineStates.StartJourney,
      pipelineStates.FailJourney,
      pipelineStates.ReleaseDatasetLockAfterFailure,
      // Inside a Map: the Map state's Catch fails the journey.
      pipelineStates.RenewSilverLeases,
      pipelineStates.LoadSilverQuery,
      pipelineStates.RunSilverQuery,
      pipelineStates.GetSilverRowsWritten,
      pipelineStates.RenewGoldLeases,
      pipelineStates.LoadGoldQuery,
      pipelineStates.RunGoldMerge,
      pipelineStates.RunGoldQuery,
      pipelineStates.GetGoldQueryResults,
      pipelineStates.RecordGoldResult,
    ]);
    // Assess
    for (const [name, state] of tasks) {
      if (name === pipelineStates.RecordPlanFailure) continue;
      if (beforeJourney.has(name)) {
        expect(state.Catch?.some((c) => c.Next === pipelineStates.FailJourney) ?? false, name).toBe(false);
      } else {
        // States.ALL does not catch an oversized state: States.DataLimitExceeded is named first.
        // Any other error first counts against the files of the silver plan in hand.
        expect(state.Catch, name).toMatchObject([
          { ErrorEquals: ["States.DataLimitExceeded"], Next: pipelineStates.FailJourney },
          { ErrorEquals: ["States.ALL"], Next: pipelineStates.RecordPlanFailure },
        ]);
      }
    }
    // Counting the failure is best effort: the journey is failed whatever happens to it.
    expect(definition.States[pipelineStates.RecordPlanFailure]).toMatchObject({
      Next: pipelineStates.PlanAgain,
      Catch: [{ ErrorEquals: ["States.ALL"], Next: pipelineStates.FailJourney }],
    });
    expect(definition.States[pipelineStates.FailJourney]).toMatchObject({
      Next: pipelineStates.ReleaseDatasetLockAfterFailure,
    });
    expect(definition.States[pipelineStates.ReleaseDatasetLockAfterFailure]).toMatchObject({
      Next: pipelineStates.PipelineFailed,
      Catch: [
        { ErrorEquals: ["States.DataLimitExceeded"], Next: pipelineStates.PipelineFailed },
        { ErrorEquals: ["States.ALL"], Next: pipelineStates.PipelineFailed },
      ],
    });
  });

  it("plans again after a failure from the plan's data, at most maxReplansPerRun times, else fails the journey", () => {
    // Prepare
    const choice = definition.States[pipelineStates.PlanAgain];
    if (choice?.Type !== "Choice") throw new Error("PlanAgain? is not a Choice");
    // Where a run goes from the failure path, given what RecordPlanFailure said.
    const next = (result: { replan: boolean; failed_plans: number }): string =>
      choice.Choices.find((rule) =>
        rule.Variable === "$.setAside.replan"
          ? rule.BooleanEquals === result.replan
          : rule.Variable === "$.setAside.failed_plans" && result.failed_plans > rule.NumericGreaterThan!,
      )?.Next ?? choice.Default;
    // Assess: the cap comes first, so even a data failure stops once it is reached
    expect(next({ replan: true, failed_plans: 1 })).toBe(pipelineStates.PlanSilver);
    expect(next({ replan: true, failed_plans: maxReplansPerRun })).toBe(pipelineStates.PlanSilver);
    expect(next({ replan: true, failed_plans: maxReplansPerRun + 1 })).toBe(pipelineStates.FailJourney);
    expect(next({ replan: false, failed_plans: 0 })).toBe(pipelineStates.FailJourney);
  });

  it("retries Athena's throttling and service errors by the names Step Functions gives them", () => {
    // Prepare
    const map = definition.States[pipelineStates.RunSilverQueries];
    if (map?.Type !== "Map") throw new Error("RunSilverQueries is not a Map");
    const query = map.ItemProcessor.States[pipelineStates.RunSilverQuery] as TaskState;
    // Assess
    const names = query.Retry!.flatMap((retry) => retry.ErrorEquals);
    expect(names).toEqual(
      expect.arrayContaining([
        "Athena.ThrottlingException",
        "Athena.AmazonAthenaException",
        "Athena.TooManyRequestsException",
      ]),
    );
    for (const name of names) expect(name, "an Athena error is prefixed Athena.").toMatch(/^Athena\./);
  });

  it("waits for each Lambda task as long as its function may run", () => {
    for (const [name, state] of allStates(definition.States)) {
      if (state.Type !== "Task" || !state.Resource.startsWith("arn:aws:lambda:")) continue;
      const declared = taskFunctionNames.find((f) => (functions[f].states as readonly string[]).includes(name))!;
      expect(state.TimeoutSeconds, name).toBe(functions[declared].timeoutSeconds);
    }
  });

  it("retries transient errors only: never States.ALL or a bad-input error", () => {
    for (const [name, state] of allStates(definition.States)) {
      if (state.Type !== "Task") continue;
      expect(state.Retry?.length, name).toBeGreaterThan(0);
      for (const retry of state.Retry ?? []) {
        expect(retry.ErrorEquals, name).not.toContain("States.ALL");
        // A failed query (a gold MERGE's lost commit race too: it is caught, see the next tests) is never retried.
        expect(retry.ErrorEquals, name).not.toContain("States.TaskFailed");
        expect(retry.ErrorEquals, name).not.toContain("InvalidEventError");
      }
    }
  });

  it("runs silver's queries on Athena with the .sync integration, one at a time, so no Lambda waits", () => {
    const map = definition.States[pipelineStates.RunSilverQueries];
    expect(map?.Type).toBe("Map");
    if (map?.Type !== "Map") return;
    expect(map.MaxConcurrency).toBe(1);
    const query = map.ItemProcessor.States[pipelineStates.RunSilverQuery] as TaskState;
    expect(query.Resource).toBe("arn:aws:states:::athena:startQueryExecution.sync");
    expect(query.Parameters).toMatchObject({ "QueryString.$": "$.query.sql", WorkGroup: "medallion-prod" });
  });

  it("runs every query in the dataset's database of Athena's Glue catalog, with a token of 32 to 128 characters", () => {
    // Prepare
    const map = definition.States[pipelineStates.RunSilverQueries];
    if (map?.Type !== "Map") throw new Error("RunSilverQueries is not a Map");
    const query = map.ItemProcessor.States[pipelineStates.RunSilverQuery] as TaskState;
    // Assess: the database comes from the plan, the token is a SHA-256 (64 hex digits) of any execution name.
    expect(map.ItemSelector).toMatchObject({ "database.$": "$.plan.database" });
    expect(query.Parameters).toMatchObject({
      QueryExecutionContext: { Catalog: "AwsDataCatalog", "Database.$": "$.database" },
      "ClientRequestToken.$": expect.stringMatching(/^States\.Hash\(.*'SHA-256'\)$/),
    });
  });

  it("carries nothing that grows with the backlog: the plan's key and its query indexes, not its files or SQL", () => {
    // Prepare
    const map = definition.States[pipelineStates.RunSilverQueries];
    if (map?.Type !== "Map") throw new Error("RunSilverQueries is not a Map");
    // Assess
    expect(map.ItemsPath).toBe("$.plan.queries");
    expect(definition.States[pipelineStates.PlanGold]).toMatchObject({
      Parameters: { "plan_key.$": "$.plan.plan_key" },
    });
    const gold = definition.States[pipelineStates.RunGoldStatements];
    if (gold?.Type !== "Map") throw new Error("RunGoldStatements is not a Map");
    expect(gold.ItemsPath).toBe("$.goldPlan.steps");
    expect(definition.States[pipelineStates.FinishGold]).toMatchObject({
      Parameters: { "plan_key.$": "$.goldPlan.plan_key" },
    });
    expect(JSON.stringify(definition)).not.toMatch(/\$\.(plan|goldPlan)\.(files|partitions|statements|steps\[)/);
  });

  it("runs gold's statements as Athena states: MERGEs retried on a lost commit, rows read bounded", () => {
    // Prepare
    const gold = definition.States[pipelineStates.RunGoldStatements];
    if (gold?.Type !== "Map") throw new Error("RunGoldStatements is not a Map");
    const inner = gold.ItemProcessor.States;
    const merge = inner[pipelineStates.RunGoldMerge] as TaskState;
    const query = inner[pipelineStates.RunGoldQuery] as TaskState;
    const results = inner[pipelineStates.GetGoldQueryResults] as TaskState;
    // Assess: one statement at a time, in the plan's order.
    expect(gold.MaxConcurrency).toBe(1);
    expect(gold.Catch?.map((c) => c.ErrorEquals)).toEqual([["States.DataLimitExceeded"], ["States.ALL"]]);
    for (const state of [merge, query]) {
      expect(state.Resource).toBe("arn:aws:states:::athena:startQueryExecution.sync");
      expect(state.Parameters).toMatchObject({
        "QueryString.$": "$.query.sql",
        WorkGroup: "medallion-prod",
        QueryExecutionContext: { Catalog: "AwsDataCatalog", "Database.$": "$.database" },
      });
    }
    // A failed query is States.TaskFailed (its ICEBERG_COMMIT_ERROR only in the Cause): tried again on
    // MERGEs alone, each attempt a new query (no idempotency token to hand the failed one back), and
    // each after a wait and a renewal of the run's leases, three times at most, then the error as it was.
    expect(merge.Catch).toEqual([
      { ErrorEquals: ["States.TaskFailed"], ResultPath: "$.conflict", Next: pipelineStates.GoldMergeLost },
    ]);
    expect(merge.Parameters).not.toHaveProperty("ClientRequestToken.$");
    expect(inner[pipelineStates.WaitBeforeGoldMerge]).toMatchObject({ Next: pipelineStates.RenewGoldLeases });
    expect(inner[pipelineStates.GoldMergeLost]).toMatchObject({
      Choices: [{ Variable: "$.merge.attempts", NumericGreaterThanEquals: 3, Next: pipelineStates.GoldMergeFailed }],
    });
    expect(inner[pipelineStates.GoldMergeFailed]).toEqual({
      Type: "Fail",
      ErrorPath: "$.conflict.Error",
      CausePath: "$.conflict.Cause",
    });
    expect(query.Retry?.flatMap((r) => r.ErrorEquals)).not.toContain("States.TaskFailed");
    expect(query.ResultSelector).toMatchObject({ "id.$": "$.QueryExecution.QueryExecutionId" });
    expect(results).toMatchObject({
      Resource: "arn:aws:states:::athena:getQueryResults",
      Parameters: { "QueryExecutionId.$": "$.athena.id", "MaxResults.$": "$.query.max_rows" },
      Next: pipelineStates.RecordGoldResult,
    });
  });

  it("invokes, in each Task state the function table names, that function, and no other Lambda", () => {
    // Prepare
    const lambdaTasks = allStates(definition.States).filter(
      ([, state]) => state.Type === "Task" && state.Resource.startsWith("arn:aws:lambda:"),
    ) as [string, TaskState][];
    const declared = taskFunctionNames.flatMap((name) =>
      functions[name].states.map((state): [string, string] => [state, arn(name)]),
    );
    // Assess: the same states, each invoking its declared function.
    expect(Object.fromEntries(lambdaTasks.map(([name, state]) => [name, state.Resource]))).toEqual(
      Object.fromEntries(declared),
    );
    expect(lambdaTasks).toHaveLength(declared.length);
  });

  it("holds the run's journey and lock under a lease of minutes, renewed before each query and after each Map", () => {
    // Prepare
    const S = pipelineStates;
    const states = definition.States;
    const renews = (name: string | undefined) => !!name && functions.RenewRunLeases.states.some((s) => s === name);
    const maps = [S.RunSilverQueries, S.RunGoldStatements].map((name) => {
      const map = states[name];
      if (map?.Type !== "Map") throw new Error(`${name} is not a Map`);
      return map;
    });
    // Assess: one lease, taken at the start and renewed at every heartbeat.
    expect(runLeaseSeconds).toBeLessThanOrEqual(3600);
    expect(states[S.StartJourney]).toMatchObject({ Parameters: { lease_seconds: runLeaseSeconds } });
    expect(states[S.AcquireDatasetLock]).toMatchObject({ Parameters: { lease_seconds: runLeaseSeconds } });
    for (const [name, state] of allStates(states))
      if (renews(name)) expect(state, name).toMatchObject({ Parameters: { lease_seconds: runLeaseSeconds } });
    for (const map of maps) {
      // Each iteration renews before its statement runs, and the state after the Map renews again.
      expect(renews(map.ItemProcessor.StartAt), map.ItemProcessor.StartAt).toBe(true);
      expect(renews(map.Next), map.Next).toBe(true);
      // Even if every state on an iteration's longest path ran to its timeout, the lease renewed at its start lasts.
      expect(longestSeconds(map.ItemProcessor.States, map.ItemProcessor.StartAt)).toBeLessThanOrEqual(runLeaseSeconds);
    }
    // No single state outlasts the lease.
    for (const [name, state] of allStates(states))
      if ("TimeoutSeconds" in state) expect(state.TimeoutSeconds ?? 0, name).toBeLessThan(runLeaseSeconds);
  });

  it("names every state it reaches, and reaches every state it names", () => {
    // Prepare
    const named = new Set<string>(Object.values(pipelineStates));
    const defined = allStates(definition.States).map(([name]) => name);
    const targets = allStates(definition.States).flatMap(([, state]) => [
      ...("Next" in state && state.Next ? [state.Next] : []),
      ...("Default" in state ? [state.Default] : []),
      ...("Choices" in state ? state.Choices.map((choice) => choice.Next) : []),
      ...("Catch" in state ? (state.Catch ?? []).map((c) => c.Next) : []),
    ]);
    // Assess
    expect(new Set(defined)).toEqual(named);
    expect(defined).toHaveLength(named.size);
    for (const target of targets) expect(named, target).toContain(target);
    for (const name of named)
      if (
        name !== definition.StartAt &&
        name !== pipelineStates.RenewSilverLeases &&
        name !== pipelineStates.RenewGoldLeases
      )
        expect(targets, name).toContain(name);
  });
});
