import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

/** The account the embedded stack's ARNs name. */
export const LOCAL_ACCOUNT = "000000000000";

/**
 * A function's ARN on the embedded stack.
 * @param functionName the function's name (see `localFunctionName`)
 */
export const localFunctionArn = (functionName: string): string =>
  `arn:aws:lambda:us-east-1:${LOCAL_ACCOUNT}:function:${functionName}`;

/**
 * A Lambda context for invoking a handler in-process, as the Lambda runtime would.
 * @param functionName the function's name (shows up in Powertools logs)
 * @param timeoutMs the invocation's time budget
 */
export function lambdaContext(functionName: string, timeoutMs = 15 * 60_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: localFunctionArn(functionName),
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
