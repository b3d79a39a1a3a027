import { randomUUID } from "node:crypto";
import type { SqlEngine } from "@medallion/core/engine";
import type { WindowRequest } from "@medallion/core/schedule";
import type { SilverPlanPayload } from "@medallion/core/silver";
import { silverPlanPayloadSchema } from "@medallion/core/silver";
import type { TaskFunctionName } from "@medallion/stacks/functions";
import { functions, perTaskFunction, taskFunctionNames } from "@medallion/stacks/functions";
import type { PipelineOutput } from "@medallion/stacks/output";
import { pipelineOutputSchema } from "@medallion/stacks/output";
import { pipelineDefinition, pipelineStates } from "@medallion/stacks/pipeline";
import { StateMachine } from "aws-local-stepfunctions";
import { lambdaContext, localFunctionArn } from "./lambda-context";

/** A handler as the state machine invokes it. */
export type TaskHandler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/**
 * The in-process handlers behind the pipeline's Task states, by task function (as
 * `@medallion/stacks/functions` declares them), and the engine that runs the statements
 * Athena runs on AWS (the RunSilverQuery task).
 */
export type PipelineHandlers = Record<TaskFunctionName, TaskHandler> & { engine: SqlEngine };

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
}

/**
 * A function's name on the embedded stack (`medallion-local-<kebab-case name>`), as Lambda
 * contexts and logs show it.
 * @param name the function's logical name
 */
export const localFunctionName = (name: string): string =>
  `medallion-local-${name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`;

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
}: {
  handlers: PipelineHandlers;
  input: { dataset: string; window?: WindowRequest; at?: string };
  onState?: (event: StateEvent) => void;
}): Promise<ExecutionOutcome> {
  const started = Date.now();
  const S = pipelineStates;
  // Each invocation gets the deployed function's name and time budget.
  const invoke = (name: TaskFunctionName) => async (event: unknown) => {
    try {
      const context = lambdaContext(localFunctionName(name), functions[name].timeoutSeconds * 1000);
      return (await handlers[name](event, context)) as never;
    } catch (error) {
      throw asLambdaError(error);
    }
  };
  let plan: SilverPlanPayload | undefined;
  const machine = new StateMachine(localPipelineDefinition() as never);
  const name = `${input.dataset}-${new Date(started).toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
  const execution = machine.run(input, {
    // The context object Step Functions provides (execution id, start time).
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:000000000000:execution:medallion-local-pipeline:${name}`,
        Name: name,
        StartTime: new Date(started).toISOString(),
        Input: input,
        RoleArn: "local",
      },
    } as never,
    overrides: {
      taskResourceLocalHandlers: {
        // Every Task state the function table declares, invoking its function's handler.
        ...Object.fromEntries(
          taskFunctionNames.flatMap((name) => functions[name].states.map((state) => [state, invoke(name)])),
        ),
        // The plan is kept for the query state, which is handed only its Athena SQL.
        [S.PlanSilver]: async (event) => {
          const output = await invoke("PlanSilver")(event);
          plan = silverPlanPayloadSchema.parse(output);
          return output;
        },
        // Athena runs the plan's SQL on AWS; here the local engine runs the same statement,
        // rendered for its own dialect. The Athena parameters name the statement by its index.
        [S.RunSilverQuery]: async (parameters) => {
          const token = String((parameters as { ClientRequestToken?: string }).ClientRequestToken ?? "");
          const statement = plan?.statements[Number(token.split("-").at(-1))];
          if (!statement) throw new Error(`${S.RunSilverQuery}: no planned statement for token "${token}"`);
          await handlers.engine.run(statement);
          return {};
        },
      },
      // Retries wait 0.2 s locally instead of Step Functions' seconds.
      retryIntervalOverrides: Object.fromEntries(Object.values(S).map((name) => [name, 200])),
    },
  });

  const states: StateEvent[] = [];
  const enteredAt = new Map<string, number>();
  const failed = new Set<string>();
  const report = (event: StateEvent) => {
    states.push(event);
    onState?.(event);
  };
  const logs = (async () => {
    for await (const log of execution.eventLogs) {
      if (!("state" in log) || log.state.type === "Choice" || log.state.type === "Pass") continue;
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

  let result: unknown;
  try {
    result = await execution.result;
    await logs;
  } catch (error) {
    await logs.catch(() => undefined);
    const failed = states.findLast((s) => s.event === "failed");
    const message = error instanceof Error ? error.message : String(error);
    return {
      status: "FAILED",
      error: { Error: failedName(error), Cause: failed?.error ?? message },
      states,
      durationMs: Date.now() - started,
    };
  }
  // Outside the try: an output that breaks the contract is a bug to surface, not a failed run.
  return { status: "SUCCEEDED", output: pipelineOutputSchema.parse(result), states, durationMs: Date.now() - started };
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
