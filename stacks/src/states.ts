/**
 * Typed helpers for the Amazon States Language (JSONPath), so the pipeline is built by
 * TypeScript, not written as JSON by hand. The output runs on Step Functions and, as is,
 * in aws-local-stepfunctions.
 */

/** A Retry rule. */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: "FULL" | "NONE";
}

/** A Catch rule. */
export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string;
}

/** Where a state goes next. */
export interface Flow {
  Comment?: string;
  Next?: string;
  End?: true;
}

/** A Task state. */
export interface TaskState extends Flow {
  Type: "Task";
  Resource: string;
  InputPath?: string;
  Parameters?: Record<string, unknown>;
  ResultSelector?: Record<string, unknown>;
  ResultPath?: string | null;
  OutputPath?: string;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

/** A Choice rule (the subset the pipeline uses). */
export interface ChoiceRule {
  Variable: string;
  BooleanEquals?: boolean;
  NumericEquals?: number;
  NumericGreaterThan?: number;
  NumericGreaterThanEquals?: number;
  StringEquals?: string;
  IsNull?: boolean;
  IsPresent?: boolean;
  Next: string;
}

/** A Choice state. */
export interface ChoiceState {
  Type: "Choice";
  Comment?: string;
  Choices: ChoiceRule[];
  Default: string;
}

/** A Map state (inline processing). */
export interface MapState extends Flow {
  Type: "Map";
  ItemsPath: string;
  ItemSelector?: Record<string, unknown>;
  MaxConcurrency?: number;
  ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }; StartAt: string; States: Record<string, State> };
  ResultPath?: string | null;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

/** Succeed and Fail states. */
export interface SucceedState {
  Type: "Succeed";
  Comment?: string;
  OutputPath?: string;
}
export interface FailState {
  Type: "Fail";
  Comment?: string;
  Error?: string;
  CausePath?: string;
  ErrorPath?: string;
}

/** A Pass state (the subset the pipeline uses: computing a value into the state). */
export interface PassState extends Flow {
  Type: "Pass";
  Parameters?: Record<string, unknown>;
  ResultPath?: string | null;
}

/** A Wait state. */
export interface WaitState extends Flow {
  Type: "Wait";
  Seconds?: number;
  SecondsPath?: string;
}

/** Any state. */
export type State = TaskState | ChoiceState | MapState | SucceedState | FailState | PassState | WaitState;

/** A state machine definition. */
export interface StateMachine {
  Comment: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, State>;
}

/** Errors worth retrying: the Lambda service's own, and throttling. Bad input is never retried. */
const transientErrors = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "ThrottlingException",
  "TooManyRequestsException",
];

/** Retry for transient errors: 3 attempts, exponential backoff with jitter. */
export const retryTransient: Retrier = {
  ErrorEquals: transientErrors,
  IntervalSeconds: 2,
  MaxAttempts: 3,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};

/**
 * A Lambda task: invokes the function with `payload` and puts its return value at
 * `resultPath`. The function ARN is the Resource (Step Functions' direct Lambda form), so
 * the result is the function's own output, with no `Payload` envelope to unwrap.
 * @param functionArn the function's ARN (from infra; any name locally)
 * @param payload the invocation payload (keys ending in `.$` are JSONPath), or a path whose value is the payload
 * @param resultPath where the result goes in the state's output
 * @param flow Next/End, and Catch rules
 */
export function lambdaTask(
  functionArn: string,
  payload: Record<string, unknown> | string,
  resultPath: string | null,
  flow: Flow & Pick<TaskState, "Catch" | "Retry">,
): TaskState {
  const input = typeof payload === "string" ? { InputPath: payload } : { Parameters: payload };
  return { Type: "Task", Resource: functionArn, ...input, ResultPath: resultPath, Retry: [retryTransient], ...flow };
}
