import { SFNClient } from "@aws-sdk/client-sfn";
import { executionUsage, readExecutionHistory } from "@medallion/core/cost";
import { deployedFunctionOf } from "@medallion/stacks/functions";
import { describe, expect, it } from "vitest";
import { answerGetExecutionHistory, LocalExecutionHistory } from "../src/history";

const ARN = "arn:aws:states:us-east-1:000000000000:execution:medallion-local-pipeline:run-1";

// A client as the handlers build theirs, answered by the stand-in (no endpoint is ever reached).
const standIn = (histories: Map<string, LocalExecutionHistory>): SFNClient => {
  const sfn = new SFNClient({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  answerGetExecutionHistory(sfn, histories);
  return sfn;
};

describe("the local GetExecutionHistory stand-in", () => {
  it("serves what the runner observed as Step Functions' history, chained so retries and functions are known", async () => {
    // Prepare: ResolveWindow runs once; StartJourney fails, is retried and succeeds; a Choice between.
    const history = new LocalExecutionHistory(Date.now() - 1_000);
    history.entered("ResolveWindow", "Task", Date.now());
    history.invoking("ResolveWindow")(true);
    history.entered("AlreadyCompleted", "Choice", Date.now());
    history.entered("StartJourney", "Task", Date.now());
    history.invoking("StartJourney")(false);
    history.invoking("StartJourney")(true);

    // Act
    const events = await readExecutionHistory({ sfn: standIn(new Map([[ARN, history]])), executionArn: ARN });
    const { usage, functions } = executionUsage({ events, functionOfState: deployedFunctionOf });

    // Assess: three states entered and one retry; three invocations, two of them StartJourney's.
    expect(events[0]?.type).toBe("ExecutionStarted");
    expect(events.filter((event) => event.type === "LambdaFunctionFailed")).toHaveLength(1);
    expect(usage.state_transitions).toBe(4);
    expect(usage.lambda_invocations).toBe(3);
    expect(functions.map((f) => f.function)).toEqual(["ResolveWindow", "StartJourney"]);
    expect(functions.find((f) => f.function === "StartJourney")?.invocations).toBe(2);
  });

  it("pages a history longer than a page as AWS does (1,000 events a page)", async () => {
    // Prepare: 800 renewals (each entered, scheduled, started, succeeded): 3,201 events.
    const history = new LocalExecutionHistory(Date.now());
    for (let i = 0; i < 800; i++) {
      history.entered("RenewSilverLeases", "Task", Date.now());
      history.invoking("RenewSilverLeases")(true);
    }
    const sfn = standIn(new Map([[ARN, history]]));
    const pages: number[] = [];
    sfn.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        pages.push((result.output as { events?: unknown[] }).events?.length ?? 0);
        return result;
      },
      { step: "initialize", name: "countPages" },
    );

    // Act
    const events = await readExecutionHistory({ sfn, executionArn: ARN });

    // Assess
    expect(events).toHaveLength(3_201);
    expect(pages).toEqual([1_000, 1_000, 1_000, 201]);
    expect(new Set(events.map((event) => event.id)).size).toBe(3_201);
  });

  it("enters a Task state whose entry the runner's log never delivered (an aborted execution's last)", async () => {
    // Prepare
    const history = new LocalExecutionHistory(Date.now());
    history.invoking("PlanSilver");

    // Act
    const events = await readExecutionHistory({ sfn: standIn(new Map([[ARN, history]])), executionArn: ARN });
    const { usage, functions } = executionUsage({ events, functionOfState: deployedFunctionOf });

    // Assess
    expect(events.map((event) => event.type)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "LambdaFunctionScheduled",
      "LambdaFunctionStarted",
    ]);
    expect(usage.state_transitions).toBe(1);
    expect(functions.find((f) => f.function === "PlanSilver")?.invocations).toBe(1);
  });

  it("answers an unknown execution as Step Functions does", async () => {
    // Act / Assess
    await expect(readExecutionHistory({ sfn: standIn(new Map()), executionArn: ARN })).rejects.toThrow(
      /Execution Does Not Exist/,
    );
  });
});
