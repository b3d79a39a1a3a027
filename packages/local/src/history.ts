import type { HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";

// The events the local runner observes, before they are numbered and chained as a history.
type Observed =
  | { kind: "entered"; at: number; state: string; stateType: string }
  | { kind: "scheduled" | "started"; at: number; state: string; invocation: number }
  | { kind: "ended"; at: number; state: string; invocation: number; succeeded: boolean };

// Events at the same millisecond keep their causal order: a state is entered (its log may reach
// the history after its function started), then its invocations follow in the order they were seen.
const enteredFirst = (event: Observed): number => (event.kind === "entered" ? 0 : 1);

/**
 * An execution's history as Step Functions keeps it (the events `GetExecutionHistory` returns
 * without the states' data), built from what the local runner observes: the states it enters
 * (its event log) and the Lambda invocations it makes. The states that end a run read it through
 * the SDK as on AWS ({@link answerGetExecutionHistory}), so one function turns it into usage in
 * both worlds. Athena tasks are entered but not scheduled here (no retry of one is counted).
 */
export class LocalExecutionHistory {
  private readonly observed: Observed[] = [];
  private invocations = 0;

  /** @param startedAt when the execution started (ms since the epoch) */
  constructor(private readonly startedAt: number) {}

  /**
   * A state entered.
   * @param state its name
   * @param stateType its type (`Task`, `Choice`, `Map`…)
   * @param at when (ms since the epoch)
   */
  entered(state: string, stateType: string, at: number): void {
    this.observed.push({ kind: "entered", at, state, stateType });
  }

  /**
   * A Lambda invocation of a Task state starting now.
   * @param state the Task state
   * @returns call when it ends, saying whether it succeeded
   */
  invoking(state: string): (succeeded: boolean) => void {
    const invocation = this.invocations++;
    const at = Date.now();
    this.observed.push({ kind: "scheduled", at, state, invocation }, { kind: "started", at, state, invocation });
    return (succeeded) => this.observed.push({ kind: "ended", at: Date.now(), state, invocation, succeeded });
  }

  /** The history so far, numbered and chained as Step Functions chains it (`previousEventId`). */
  events(): HistoryEvent[] {
    // Array sorts are stable: what ties keeps the order it was observed in.
    const sorted = [...this.observed].sort((a, b) => a.at - b.at || enteredFirst(a) - enteredFirst(b));
    const events: HistoryEvent[] = [
      { id: 1, previousEventId: 0, type: "ExecutionStarted", timestamp: new Date(this.startedAt) },
    ];
    // Per state: the event a new attempt follows (its entry, or the failure it retries).
    const attemptFollows = new Map<string, number>();
    const ids = new Map<string, number>();
    const enter = (state: string, stateType: string, timestamp: Date) => {
      const id = events.length + 1;
      attemptFollows.set(state, id);
      events.push({
        id,
        previousEventId: id - 1,
        type: `${stateType}StateEntered`,
        timestamp,
        stateEnteredEventDetails: { name: state },
      } as HistoryEvent);
    };
    for (const event of sorted) {
      const timestamp = new Date(event.at);
      if (event.kind === "entered") {
        enter(event.state, event.stateType, timestamp);
        continue;
      }
      // A Task state whose entry the runner's log has not delivered (an aborted execution's last
      // one never is) was entered all the same: its function runs only once it is.
      if (event.kind === "scheduled" && !attemptFollows.has(event.state)) enter(event.state, "Task", timestamp);
      const id = events.length + 1;
      const key = (kind: string) => `${kind}#${event.invocation}`;
      ids.set(key(event.kind), id);
      if (event.kind === "scheduled") {
        events.push({
          id,
          previousEventId: attemptFollows.get(event.state),
          type: "LambdaFunctionScheduled",
          timestamp,
        });
      } else if (event.kind === "started") {
        events.push({ id, previousEventId: ids.get(key("scheduled")), type: "LambdaFunctionStarted", timestamp });
      } else if (event.kind === "ended") {
        if (!event.succeeded) attemptFollows.set(event.state, id);
        events.push({
          id,
          previousEventId: ids.get(key("started")),
          type: event.succeeded ? "LambdaFunctionSucceeded" : "LambdaFunctionFailed",
          timestamp,
        });
      }
    }
    return events;
  }
}

const STAND_IN = "medallionLocalExecutionHistory";

/**
 * Step Functions' `GetExecutionHistory` on the embedded stack: the handlers' SFN client gets its
 * answer from the executions the local runner has in flight (after the IAM recorder has seen the
 * call), paged as AWS pages it. Any other Step Functions call is refused: none is made locally.
 * @param sfn the handlers' Step Functions client
 * @param histories the executions in flight, by execution ARN
 */
export function answerGetExecutionHistory(sfn: SFNClient, histories: ReadonlyMap<string, LocalExecutionHistory>): void {
  sfn.middlewareStack.remove(STAND_IN);
  const middleware =
    (_next: unknown, context: { commandName?: string }) =>
    async (args: { input: { executionArn?: string; maxResults?: number; nextToken?: string } }) => {
      if (context.commandName !== "GetExecutionHistoryCommand")
        throw new Error(`${context.commandName}: the embedded stack's Step Functions answers only GetExecutionHistory`);
      const { executionArn = "", maxResults = 100, nextToken } = args.input;
      const history = histories.get(executionArn);
      if (!history) {
        const error = new Error(`Execution Does Not Exist: '${executionArn}'`);
        error.name = "ExecutionDoesNotExist";
        throw error;
      }
      const events = history.events();
      const from = nextToken ? Number(nextToken) : 0;
      const page = events.slice(from, from + maxResults);
      const next = from + maxResults < events.length ? String(from + maxResults) : undefined;
      return {
        output: { events: page, ...(next ? { nextToken: next } : {}), $metadata: { httpStatusCode: 200 } },
        response: {},
      };
    };
  sfn.middlewareStack.add(middleware as never, { step: "serialize", priority: "high", name: STAND_IN });
}
