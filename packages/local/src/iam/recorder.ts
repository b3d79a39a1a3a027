import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AwsScope, IamRequest } from "./requests";
import { sdkRequests } from "./requests";

/** One IAM request a principal made (deduplicated: how often is in `count`). */
export interface RecordedCall extends IamRequest {
  /** The function's logical name, or the state machine's (`Pipeline`). */
  principal: string;
  /** What made it: the SDK command, or the statement Athena ran on the principal's behalf. */
  via: string;
  count: number;
}

/** What the recorder needs of an SDK client: its middleware stack. */
interface InstrumentableClient {
  middlewareStack: {
    add(middleware: never, options: { step: "initialize"; name: string }): void;
    remove(name: string): boolean;
  };
}

const MIDDLEWARE = "medallionIamRecorder";

/**
 * Records the AWS calls of in-process handlers, per principal: the function whose invocation
 * is in flight (the local runtime runs each invocation inside {@link CallRecorder.as}), or the
 * state machine for what it calls itself. Calls made outside any invocation (the CLI uploading
 * files, the stack creating its buckets) belong to no deployed principal and are not recorded.
 */
export class CallRecorder {
  private readonly inFlight = new AsyncLocalStorage<string>();
  private readonly recorded = new Map<string, RecordedCall>();

  /** @param scope region and account the recorded ARNs name */
  constructor(readonly scope: AwsScope) {}

  /**
   * Runs `work` as `principal`: every call made inside it, however deep and asynchronous, is its.
   * @param principal a function's logical name, or `Pipeline`
   * @param work the invocation
   */
  as<T>(principal: string, work: () => T): T {
    return this.inFlight.run(principal, work);
  }

  /** The principal whose invocation is in flight here, if any. */
  get principal(): string | undefined {
    return this.inFlight.getStore();
  }

  /**
   * Records requests for a principal: by default the one in flight (nothing when none is).
   * @param requests what IAM evaluates
   * @param via what made them
   * @param principal who made them, when the caller knows better (the state machine invoking a task)
   */
  record(requests: readonly IamRequest[], via: string, principal: string | undefined = this.principal): void {
    if (principal === undefined) return;
    for (const request of requests) {
      const id = `${principal}\u0000${request.action}\u0000${request.resource}`;
      const known = this.recorded.get(id);
      if (known) known.count++;
      else this.recorded.set(id, { principal, ...request, via, count: 1 });
    }
  }

  /** Every call recorded so far. */
  calls(): RecordedCall[] {
    return [...this.recorded.values()];
  }

  /**
   * Writes every call recorded so far to a new JSON Lines file in `directory`, for a test run
   * that gathers the calls of many stacks and processes.
   * @param directory where the file goes (created when missing)
   */
  async save(directory: string): Promise<void> {
    const calls = this.calls();
    if (calls.length === 0) return;
    await mkdir(directory, { recursive: true });
    await writeFile(
      join(directory, `calls-${process.pid}-${randomUUID()}.jsonl`),
      `${calls.map((call) => JSON.stringify(call)).join("\n")}\n`,
    );
  }

  /**
   * Instruments every SDK client among an object's values (a handler module's clients, a set
   * of dependencies), so a client added there later is recorded without a change here.
   * @param holder an object whose values may be SDK clients
   */
  instrumentAll(holder: object): void {
    for (const value of Object.values(holder))
      if (typeof (value as Partial<InstrumentableClient> | null)?.middlewareStack?.add === "function")
        this.instrument(value as InstrumentableClient);
  }

  /**
   * Adds the recording middleware to an SDK client (replacing one a previous recorder added,
   * since handler modules keep their clients for the life of the process).
   * @param client an AWS SDK v3 client (a DynamoDB document client shares its client's stack)
   */
  instrument(client: InstrumentableClient): void {
    client.middlewareStack.remove(MIDDLEWARE);
    const middleware =
      (next: (args: { input: object }) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
      async (args: { input: object }) => {
        const clientName = context.clientName ?? "UnknownClient";
        const commandName = context.commandName ?? "UnknownCommand";
        const input = args.input as Record<string, unknown>;
        const via = `${clientName.replace(/Client$/, "")} ${commandName.replace(/Command$/, "")}`;
        this.record(sdkRequests(this.scope, clientName, commandName, input), via);
        try {
          return await next(args);
        } catch (error) {
          // S3 answers 404 for a missing object only to a caller allowed s3:ListBucket; anyone
          // else gets 403 AccessDenied, which code expecting "not found" would treat as a failure.
          const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          if (status === 404 && /^(Get|Head)ObjectCommand$/.test(commandName) && typeof input.Bucket === "string")
            this.record([{ action: "s3:ListBucket", resource: `arn:aws:s3:::${input.Bucket}` }], `${via} (not found)`);
          throw error;
        }
      };
    client.middlewareStack.add(middleware as never, { step: "initialize", name: MIDDLEWARE });
  }
}
