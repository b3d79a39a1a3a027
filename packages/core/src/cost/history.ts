import type { HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { GetExecutionHistoryCommand } from "@aws-sdk/client-sfn";
import type { Usage } from "./usage";
import { addUsage, lambdaInvocationUsage } from "./usage";

/** What one event of an execution's history must say for its usage to be read from it. */
export type ExecutionHistoryEvent = Pick<HistoryEvent, "id" | "previousEventId" | "type" | "timestamp"> & {
  stateEnteredEventDetails?: { name?: string };
};

/** The function behind a Task state, and the memory it is deployed with. */
export interface StateFunction {
  function: string;
  memoryMB: number;
}

/** What an execution used, read from its history, and what each function's share was. */
export interface ExecutionUsage {
  usage: Usage;
  /**
   * Per function, in order of first invocation: its invocations and their billed milliseconds.
   * A list, not a map keyed by function name, so JSON output keeps one key style.
   */
  functions: { function: string; invocations: number; billed_ms: number }[];
}

// Step Functions ends every state-entered event's type so (TaskStateEntered, ChoiceStateEntered…).
const STATE_ENTERED = /StateEntered$/;
// The events that schedule a task's work: a first attempt follows the state's entry, a retry the failure before it.
const SCHEDULED = new Set(["LambdaFunctionScheduled", "TaskScheduled", "ActivityScheduled"]);
const LAMBDA_ENDED = new Set([
  "LambdaFunctionSucceeded",
  "LambdaFunctionFailed",
  "LambdaFunctionTimedOut",
  "LambdaFunctionStartFailed",
]);

/**
 * What an execution used, as AWS bills it, from its history: one state transition per state
 * entered and per retry (Step Functions bills retries as transitions); one Lambda request per
 * invocation started, billed from its started event to its succeeded, failed or timed-out event,
 * rounded up to the millisecond, at the memory of the function behind the state that invoked it.
 * An invocation still running (the one reading the history) is billed up to `now`.
 * @param options the history's events (any order), the function of each Task state, and now
 * @example executionUsage({ events, functionOfState: (state) => ({ function: state, memoryMB: 512 }) }).usage.state_transitions
 */
export function executionUsage({
  events,
  functionOfState,
  now = Date.now(),
}: {
  events: readonly ExecutionHistoryEvent[];
  functionOfState: (state: string) => StateFunction | undefined;
  now?: number;
}): ExecutionUsage {
  const byId = new Map(events.map((event) => [event.id, event]));
  const at = (event: ExecutionHistoryEvent) => new Date(event.timestamp ?? now).getTime();
  // The state an event belongs to: the nearest state entered up its chain of previous events.
  const stateOf = (event: ExecutionHistoryEvent): string | undefined => {
    for (let seen = 0, e: ExecutionHistoryEvent | undefined = event; e && seen < events.length; seen++) {
      if (STATE_ENTERED.test(e.type ?? "")) return e.stateEnteredEventDetails?.name;
      e = e.previousEventId === undefined ? undefined : byId.get(e.previousEventId);
    }
    return undefined;
  };
  const ended = new Map<number, ExecutionHistoryEvent>();
  for (const event of events)
    if (LAMBDA_ENDED.has(event.type ?? "") && event.previousEventId !== undefined)
      ended.set(event.previousEventId, event);

  let transitions = 0;
  const invocations: Usage[] = [];
  const functions = new Map<string, ExecutionUsage["functions"][number]>();
  for (const event of events) {
    const type = event.type ?? "";
    if (STATE_ENTERED.test(type)) transitions++;
    else if (SCHEDULED.has(type)) {
      const previous = event.previousEventId === undefined ? undefined : byId.get(event.previousEventId);
      if (previous && !STATE_ENTERED.test(previous.type ?? "")) transitions++;
    } else if (type === "LambdaFunctionStarted") {
      const state = stateOf(event);
      const declared = state === undefined ? undefined : functionOfState(state);
      if (!declared) throw new Error(`history event ${event.id}: a Lambda invocation of no declared state (${state})`);
      const end = ended.get(event.id ?? -1);
      const invocation = lambdaInvocationUsage(Math.max(0, (end ? at(end) : now) - at(event)), declared.memoryMB);
      invocations.push(invocation);
      const share = functions.get(declared.function) ?? { function: declared.function, invocations: 0, billed_ms: 0 };
      share.invocations += 1;
      share.billed_ms += invocation.lambda_billed_ms ?? 0;
      functions.set(declared.function, share);
    }
  }
  return { usage: addUsage({ state_transitions: transitions }, ...invocations), functions: [...functions.values()] };
}

/**
 * Every event of an execution's history, read a page (1,000 events) at a time without the
 * states' data (a history holds at most 25,000 events: 25 pages).
 * @param options the Step Functions client and the execution's ARN
 */
export async function readExecutionHistory({
  sfn,
  executionArn,
}: {
  sfn: SFNClient;
  executionArn: string;
}): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, includeExecutionData: false, nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}
