import type { SFNClient } from "@aws-sdk/client-sfn";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { StateFunction } from "../cost/history";
import { executionUsage, readExecutionHistory } from "../cost/history";
import type { Usage } from "../cost/usage";
import { toStorable } from "../dynamo/item-size";
import { isConditionalCheckFailed, request } from "../dynamo/request";
import type { ProcessingStep } from "./step";

/** The step that carries what a whole execution used beyond its tasks' own steps. */
export const RUN_USAGE_STEP = "run_usage";

/**
 * Appends what an execution used (Lambda invocations, state transitions, Athena queries,
 * requests) to its journey as one `run_usage` step, once the execution has ended: unlike
 * `recordStep`, a completed or failed journey takes it, since the run's usage is known only
 * when it is over. Appended once per execution and part (they are the step's key): the state
 * that ends the run records what the execution's history shows, the embedded stack also the
 * S3 and DynamoDB requests it counted (part `requests`).
 * @param options table, journey, the execution's id, when it ran and what it used
 * @returns false when the journey does not exist or already has this execution's usage
 */
export async function recordRunUsage({
  doc,
  table,
  journeyId,
  execution,
  startedAt,
  finishedAt,
  usage,
  details,
  part,
}: {
  doc: DynamoDBDocumentClient;
  table: string;
  journeyId: string;
  /** The execution's id (or name): one usage step per execution. */
  execution: string;
  startedAt: number;
  finishedAt: number;
  usage: Usage;
  /** What the usage is made of (per function, per query), for whoever reads the step. */
  details?: Record<string, unknown>;
  /** Which of the execution's usage steps this is, when it has more than one. */
  part?: string;
}): Promise<boolean> {
  const step: ProcessingStep = {
    step: RUN_USAGE_STEP,
    status: "succeeded",
    message: `execution ${execution}${part ? ` (${part})` : ""}`,
    // Shown where a step names what it worked on, so an execution's usage steps tell apart.
    partition: part ?? "states and functions",
    started_at: new Date(startedAt).toISOString(),
    finished_at: new Date(finishedAt).toISOString(),
    duration_ms: Math.max(0, finishedAt - startedAt),
    usage,
    ...(details ? { details } : {}),
  };
  const stepId = `${RUN_USAGE_STEP}-${execution}${part ? `-${part}` : ""}`;
  try {
    await request("record run usage", table, journeyId, () =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { journey_id: journeyId },
          UpdateExpression:
            "SET steps = list_append(if_not_exists(steps, :none), :step), step_ids = list_append(if_not_exists(step_ids, :none), :step_id)",
          ConditionExpression: "attribute_exists(journey_id) AND NOT contains(step_ids, :sid)",
          ExpressionAttributeValues: {
            ":none": [],
            ":step": [toStorable(step)],
            ":step_id": [stepId],
            ":sid": stepId,
          },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/**
 * Appends what an execution used, as its history shows it (state transitions and Lambda
 * invocations, {@link executionUsage}), to its journey as its `run_usage` step: what the states
 * that end a run do, on AWS and on the embedded stack (whose stand-in serves the same history).
 * What follows the reading state (the failure path's lock release) is not in the history yet.
 * @param options table, Step Functions client, journey, the execution's ARN, and the function behind each Task state
 * @returns false when the journey does not exist or already has this execution's usage
 */
export async function recordExecutionUsage({
  doc,
  table,
  sfn,
  journeyId,
  executionArn,
  functionOfState,
}: {
  doc: DynamoDBDocumentClient;
  table: string;
  sfn: SFNClient;
  journeyId: string;
  executionArn: string;
  functionOfState: (state: string) => StateFunction | undefined;
}): Promise<boolean> {
  const events = await readExecutionHistory({ sfn, executionArn });
  const now = Date.now();
  const { usage, functions } = executionUsage({ events, functionOfState, now });
  const started = events.find((event) => event.type === "ExecutionStarted")?.timestamp;
  return recordRunUsage({
    doc,
    table,
    journeyId,
    // An execution's name (its ARN's last part) is unique to its state machine.
    execution: executionArn.split(":").at(-1) ?? executionArn,
    startedAt: started ? new Date(started).getTime() : now,
    finishedAt: now,
    usage,
    details: { functions, history_events: events.length },
  });
}
