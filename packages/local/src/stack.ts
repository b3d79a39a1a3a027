import { availableParallelism } from "node:os";
import { knownDatasets } from "@medallion/core/dataset";
import { engineGoldColumns, loadGoldPlan } from "@medallion/core/gold";
import type { IngestResult } from "@medallion/core/ingest";
import { ingestResultSchema, isSubscribedLandingKey } from "@medallion/core/ingest";
import { recordRunUsage } from "@medallion/core/journey";
import type { WindowRequest } from "@medallion/core/schedule";
import type { SilverRebuild } from "@medallion/core/silver";
import { loadSilverPlan } from "@medallion/core/silver";
import type { TableRef } from "@medallion/core/sql";
import type { FunctionName } from "@medallion/stacks/functions";
import { functions, STATE_MACHINE, taskFunctionNames } from "@medallion/stacks/functions";
import { z } from "zod";
import type { DuckDbEngine } from "./engine/index";
import { localSilverDependencies, localTables } from "./engine/index";
import type { LocalExecutionHistory } from "./history";
import { answerGetExecutionHistory } from "./history";
import type { AthenaScope } from "./iam/athena";
import { athenaResultsRead, recordingCatalog, recordingEngine } from "./iam/athena";
import type { RecordedCall } from "./iam/recorder";
import { CallRecorder } from "./iam/recorder";
import { glueTableArns } from "./iam/requests";
import type { InvocationReport } from "./invocations";
import { measured } from "./invocations";
import { LOCAL_ACCOUNT, lambdaContext, localFunctionArn } from "./lambda-context";
import type { OnFailureRecord } from "./notifications";
import { decodeS3Key, NotificationQueue, s3Notification } from "./notifications";
import type { ExecutionOutcome, PipelineHandlers, StateEvent, TaskHandler } from "./pipeline";
import { executePipeline, LOCAL_WORKGROUP, localFunctionName } from "./pipeline";
import { localClients } from "./services/clients";
import type { LocalServices } from "./services/index";
import { failAbandonedJourneys, releaseAbandonedIngestions, startServices } from "./services/index";
import { requestUsage } from "./usage";

/** What one landing file's ingestion produced, as the ingest handler reports it. */
export interface IngestOutcome {
  key: string;
  etag: string;
  result?: IngestResult;
  error?: string;
}

/** Options of the embedded stack. */
export interface StackOptions {
  /** State directory (`.medallion` by default in the CLI). */
  dataDir: string;
  /** Called after each landing file has been ingested (or has failed for good). */
  onIngested?: (outcome: IngestOutcome) => void;
  /** Powertools log level for in-process handlers (default WARN: the CLI prints its own progress). */
  logLevel?: string;
  /** Loopback ports of S3 and DynamoDB (default: any free port). */
  ports?: { s3?: number; dynamodb?: number };
  /** What this process is (`dev`, `run`…), said in the data directory. */
  command?: string;
}

/** The embedded stack: services up, environment set, landing notifications wired to the ingest handler. */
export interface LocalStack {
  services: LocalServices;
  /** Physical bucket/table names by link name. */
  names: Record<string, string>;
  /** Resolves when the landing object `key` with `etag` has been ingested (or failed for good). */
  ingested(key: string, etag: string): Promise<IngestOutcome>;
  /**
   * Executes the pipeline's state machine once for a dataset and window, in-process.
   * @param input dataset, window and trigger time (default now)
   * @param onState progress of each state
   */
  execute(
    input: { dataset: string; window: WindowRequest; at?: string; rebuild?: SilverRebuild },
    onState?: (event: StateEvent) => void,
  ): Promise<ExecutionOutcome>;
  /** Every ingest invocation so far, measured against the Ingest function's timeout and memory. */
  invocations: InvocationReport[];
  /** The handlers behind the pipeline's Task states (tests substitute one to inject a failure). */
  pipeline: PipelineHandlers;
  /** The DuckDB engine over the lake: the pipeline's, and readers' beside it (`read`). */
  engine: DuckDbEngine;
  /**
   * Invokes a declared function's handler in-process, as Lambda would (its name, time budget
   * and recorded calls), e.g. the scheduled sweeper.
   * @param name the function's logical name
   * @param event its event
   * @param handler the handler to run instead of the declared one, built over other dependencies
   *   (a pull over sources the caller knows): it still runs, and is recorded, as that function
   */
  invoke(name: FunctionName, event: unknown, handler?: TaskHandler): Promise<unknown>;
  /**
   * Ingest events whose invocation failed after Lambda's two async retries: what the
   * on-failure destination (the `IngestFailures` queue on AWS) received, oldest first.
   */
  failedIngests(): OnFailureRecord[];
  /** Every AWS call each function and the state machine made so far (service, action, resource). */
  calls(): RecordedCall[];
  /** Waits for every notification in flight. */
  drain(): Promise<void>;
  /**
   * Ctrl-C: stops every execution in flight (its journey failed with "interrupted", its lock
   * released), interrupts the lake's engine and stops taking landing events; ingestions in flight
   * are abandoned (objects are written whole or not at all, and the next start re-runs them).
   * Call {@link LocalStack.close} after it.
   * @param reason what stopped it, e.g. "SIGINT"
   */
  interrupt(reason: string): Promise<void>;
  /** Drains (unless interrupted), then stops the services (state is flushed to `dataDir`). Safe to call twice. */
  close(): Promise<void>;
}

// What the ingest handler returns: one result per landing object of the event.
const ingestOutputSchema = z.object({ results: z.array(ingestResultSchema) });

/**
 * Starts the embedded stack: s3rver + dynalite under `dataDir`, `process.env` set as SST
 * and the Lambda runtime would (endpoints, region, credentials, SST_RESOURCE_*), and
 * ObjectCreated events of the landing bucket delivered to the real ingest handler.
 * @param options see {@link StackOptions}
 */
export async function startStack(options: StackOptions): Promise<LocalStack> {
  const services = await startServices({ dataDir: options.dataDir, ports: options.ports, command: options.command });
  try {
    return await assembleStack(services, options);
  } catch (error) {
    // A stack that fails half-way (a takeover write, a handler's load) frees its ports and files.
    await services.close();
    throw error;
  }
}

// The stack over started services: the takeovers, the handlers, the S3 → Lambda subscription.
async function assembleStack(services: LocalServices, options: StackOptions): Promise<LocalStack> {
  Object.assign(process.env, services.env, {
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? options.logLevel ?? "WARN",
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
    POWERTOOLS_SERVICE_NAME: "medallion",
    // The X-Ray SDK (loaded by the pipeline handlers' Tracer) keeps its context in automatic mode
    // with an async hook on every promise and callback of the process: ~0.5 s of a 1M-record
    // `medallion run`, paid by ingestion too, whose Lambda never loads the SDK. The Tracer is off
    // outside Lambda (`@medallion/functions/shared/tracer`), so that context is never read here:
    // manual mode keeps no hook. Read as the SDK loads, so set before any handler module is.
    AWS_XRAY_MANUAL_MODE: process.env.AWS_XRAY_MANUAL_MODE ?? "true",
  });
  const [{ Ingest: ingest }] = await Promise.all([
    // Loaded only now: handler modules build their SDK clients and read SST links at load.
    loadHandlers(["Ingest"]),
    // What a killed process on this data left held is taken over now (see each function), before
    // any landing event is taken.
    releaseAbandonedIngestions(services.env, services.names.Idempotency!),
    failAbandonedJourneys(services.env, services.names.JourneyControl!),
  ]);
  // Every AWS call a handler makes is recorded for the function in flight (the IAM contract test).
  const recorder = new CallRecorder({ region: services.env.AWS_REGION!, account: LOCAL_ACCOUNT });
  const { clients } = await import("@medallion/functions/shared/clients");
  recorder.instrumentAll(clients);
  // The executions in flight, whose histories the states that end a run read (GetExecutionHistory).
  const histories = new Map<string, LocalExecutionHistory>();
  answerGetExecutionHistory(clients.sfn, histories);
  // Runs a handler as Lambda would run the function: its name, time budget and principal.
  const asFunction =
    (name: FunctionName, handler: TaskHandler) =>
    (event: unknown): Promise<unknown> =>
      recorder.as(name, () =>
        handler(event, lambdaContext(localFunctionName(name), functions[name].timeoutSeconds * 1000)),
      );

  const outcomes = new Map<string, IngestOutcome>();
  const waiters = new Map<string, ((outcome: IngestOutcome) => void)[]>();
  const settle = (outcome: IngestOutcome) => {
    const id = outcomeId(outcome.key, outcome.etag);
    outcomes.set(id, outcome);
    for (const resolve of waiters.get(id) ?? []) resolve(outcome);
    waiters.delete(id);
    options.onIngested?.(outcome);
  };

  // S3 → Lambda as on AWS: asynchronous, retried as the function's delivery declares, then
  // sent to its on-failure destination (here an in-process queue; on AWS the SQS queue).
  const { delivery } = functions.Ingest;
  const failed: OnFailureRecord[] = [];
  const invocations: InvocationReport[] = [];
  const queue = new NotificationQueue({
    deliver: async (event) => {
      const output = await measured(
        "Ingest",
        () => asFunction("Ingest", ingest)(event),
        (report) => invocations.push(report),
      );
      const { results } = ingestOutputSchema.parse(output);
      const object = event.Records[0]!.s3.object;
      for (const result of results) settle({ key: decodeS3Key(object.key), etag: object.eTag, result });
    },
    functionArn: localFunctionArn(localFunctionName("Ingest")),
    retries: delivery.retries,
    // Files up to the cores at once: each ingestion already keeps about two threads busy on a large file.
    concurrency: availableParallelism(),
    onFailure: (record) => {
      failed.push(record);
      // Lambda sends the record to the destination with the function's execution role.
      recorder.record(
        [
          {
            action: "sqs:SendMessage",
            resource: `arn:aws:sqs:${services.env.AWS_REGION}:${LOCAL_ACCOUNT}:${services.names[delivery.onFailure]}`,
          },
        ],
        "Lambda on-failure destination",
        "Ingest",
      );
      const object = record.requestPayload.Records[0]!.s3.object;
      settle({
        key: decodeS3Key(object.key),
        etag: object.eTag,
        error: `${record.responsePayload.errorMessage} (${record.requestContext.approximateInvokeCount} attempts; sent to the on-failure queue ${delivery.onFailure})`,
      });
    },
  });
  // Subscribed per dataset prefix, as infra subscribes the function: archive copies under
  // `_done/` and `_failed/` (and keys of no dataset) invoke nothing.
  let interrupted = false;
  const executions = new Set<AbortController>();
  services.s3.onObjectCreated((created) => {
    if (
      !interrupted &&
      created.bucket === services.names.Landing &&
      isSubscribedLandingKey(Object.values(knownDatasets()), created.key)
    )
      queue.push(s3Notification(created));
  });

  const pipeline = await pipelineHandlers(services, options.dataDir, recorder, asFunction);
  // Functions invoked other than by S3 or a Task state: on a schedule, or by hand. Those that only
  // some commands invoke (dev's sweeper and pulls, redrive) are loaded at their first invocation.
  const invocable: Partial<Record<FunctionName, TaskHandler>> = { Ingest: ingest, ...pipeline.others };
  const loadedWhenInvoked: readonly FunctionName[] = ["SweepLanding", "Pull", "Redrive"];

  let closing: Promise<void> | undefined;
  return {
    services,
    names: services.names,
    ingested: (key, etag) => {
      const id = outcomeId(key, etag);
      const known = outcomes.get(id);
      if (known) return Promise.resolve(known);
      if (!isSubscribedLandingKey(Object.values(knownDatasets()), key))
        return Promise.resolve({
          key,
          etag,
          error: `${key} is under no dataset's landing prefix: S3 notifies ingestion of none of it`,
        });
      return new Promise((resolve) => waiters.set(id, [...(waiters.get(id) ?? []), resolve]));
    },
    invocations,
    pipeline: pipeline.handlers,
    engine: pipeline.lake,
    // What the execution does itself (not inside a task's invocation) is the state machine's. The
    // state that ends it records its transitions and invocations from its history, as on AWS; once
    // it ends, the S3 and DynamoDB requests counted here are appended too (the run's cost is its steps' sum).
    execute: async (input, onState) => {
      const started = Date.now();
      const before = recorder.calls().map((call) => ({ ...call }));
      const controller = new AbortController();
      if (interrupted) controller.abort("interrupted");
      executions.add(controller);
      const outcome = await recorder
        .as(STATE_MACHINE, () =>
          executePipeline({ handlers: pipeline.handlers, input, onState, signal: controller.signal, histories }),
        )
        .finally(() => executions.delete(controller));
      // Athena's usage is already in the steps that ran the queries (from the statistics the states
      // keep); the transitions and invocations in the ending state's run_usage step.
      const requests = requestUsage(before, recorder.calls());
      if (outcome.journeyId) {
        const clients = localClients(services.env);
        try {
          await recordRunUsage({
            doc: clients.doc,
            table: services.names.JourneyControl!,
            journeyId: outcome.journeyId,
            execution: outcome.name,
            startedAt: started,
            finishedAt: Date.now(),
            usage: requests,
            part: "requests",
          });
        } finally {
          clients.destroy();
        }
      }
      return { ...outcome, usage: { ...outcome.usage, ...requests } };
    },
    invoke: async (name, event, substitute) => {
      if (!substitute && !invocable[name] && loadedWhenInvoked.includes(name))
        invocable[name] = (await loadHandlers([name]))[name];
      const handler = substitute ?? invocable[name];
      if (!handler) throw new Error(`${name} cannot be invoked on the embedded stack`);
      return asFunction(name, handler)(event);
    },
    failedIngests: () => [...failed],
    calls: () => recorder.calls(),
    drain: () => queue.drain(),
    interrupt: async (reason) => {
      interrupted = true;
      // The engine first: a statement running would hold the execution (and closing it) up.
      await Promise.all([...executions].map((controller) => controller.abort(reason)));
      await pipeline.stop();
      await Promise.all(
        [...executions].map(
          (controller) =>
            new Promise<void>((resolve) => {
              const check = () => (executions.has(controller) ? setTimeout(check, 20) : resolve());
              check();
            }),
        ),
      );
    },
    close: () =>
      (closing ??= (async () => {
        if (!interrupted) await queue.drain();
        pipeline.close();
        await services.close();
        // The end-to-end suite collects every stack's calls, CLI processes' included (test/e2e/iam.global.ts).
        const recordTo = process.env.MEDALLION_RECORD_CALLS;
        if (recordTo) await recorder.save(recordTo);
      })()),
  };
}

// The pipeline's Task handlers: the same modules deployed to Lambda, over the embedded
// stack's dependencies (DuckDB engine, local catalog) where AWS would use Athena and Glue.
async function pipelineHandlers(
  services: LocalServices,
  dataDir: string,
  recorder: CallRecorder,
  asFunction: (name: FunctionName, handler: TaskHandler) => (event: unknown) => Promise<unknown>,
): Promise<{
  handlers: PipelineHandlers;
  others: Record<"OptimizeGold", TaskHandler>;
  lake: DuckDbEngine;
  stop(): Promise<void>;
  close(): void;
}> {
  const local = await localSilverDependencies({ services, dataDir });
  recorder.instrumentAll(local);
  const runtime = localClients(services.env);
  // What Athena would do with the caller's credentials, derived from each statement DuckDB runs.
  const athena = athenaScope(services, recorder);
  // Functions read every statement's rows through the engine adapter; the state machine's
  // Athena task (startQueryExecution.sync) only waits for the query.
  const engine = recordingEngine(local.engine, recorder, athena, (principal) => principal !== STATE_MACHINE);
  const silverDeps = { ...local, engine, catalog: recordingCatalog(local.catalog, recorder, athena) };
  // Read on the lake's own engine: a catalog read, not a query Athena would run.
  const goldColumnsOf = engineGoldColumns({ engine: local.engine });
  const [{ silverHandlers }, { goldHandlers }, { planFailureHandlers }] = await Promise.all([
    import("@medallion/functions/silver"),
    import("@medallion/functions/gold"),
    import("@medallion/functions/setaside"),
  ]);
  // Silver and gold build their handlers over the local dependencies instead of their AWS wiring.
  const localModules: Record<string, object> = {
    silver: silverHandlers(() => silverDeps),
    // The failure path rolls back a failed plan's silver commit in the local catalog.
    setaside: planFailureHandlers(() => silverDeps),
    gold: goldHandlers(() => ({
      engine: silverDeps.engine,
      datasets: knownDatasets(),
      silverTable: (dataset: string) => localTables(dataset).silver,
      s3: silverDeps.s3,
      planBucket: silverDeps.buckets.silver,
      // As on AWS, so the Athena text of each create names its location (DuckDB keeps its tables in the lake's file).
      warehouse: `s3://${services.names.Gold}/`,
      doc: silverDeps.doc,
      congregadoTable: services.names.Congregado!,
      journeyTable: services.names.JourneyControl!,
      schemaVersionsTable: services.names.SchemaVersions!,
      // DuckDB's catalog stands for Glue's: the same glue:GetTable per table is recorded.
      goldColumns: (tables) => {
        const requests = tables.flatMap((table) =>
          glueTableArns(recorder.scope, table.database, table.name).map((resource) => ({
            action: "glue:GetTable",
            resource,
          })),
        );
        recorder.record(requests, "Glue GetTable (the gold tables' columns)");
        return goldColumnsOf(tables);
      },
    })),
  };
  const tasks = await loadHandlers(taskFunctionNames, localModules);
  const others = await loadHandlers(["OptimizeGold"], localModules);
  // Each Task state invokes its function (the state machine's lambda:InvokeFunction); the
  // RunSilverQuery state starts the query itself, so Athena works with the state machine's role.
  const invoked = Object.fromEntries(
    taskFunctionNames.map((name) => [
      name,
      ((event) => {
        recorder.record(
          [{ action: "lambda:InvokeFunction", resource: localFunctionArn(localFunctionName(name)) }],
          "Step Functions Task",
          STATE_MACHINE,
        );
        return asFunction(name, tasks[name])(event);
      }) satisfies TaskHandler,
    ]),
  ) as Record<string, TaskHandler> as typeof tasks;
  return {
    handlers: {
      ...invoked,
      engine,
      // The local runtime's own reads (it runs a statement's tree, found by its text): no function's calls.
      loadPlan: (key) => loadSilverPlan({ s3: runtime.s3, bucket: silverDeps.buckets.silver, key }),
      loadGoldPlan: (key) => loadGoldPlan({ s3: runtime.s3, bucket: silverDeps.buckets.silver, key }),
      // The state machine's athena:getQueryResults: Athena serves the rows from the result object.
      readResults: () =>
        recorder.record(athenaResultsRead(athena), "Step Functions athena:getQueryResults", STATE_MACHINE),
    },
    others,
    // Readers' queries are a person's, not a function's: not recorded for IAM.
    lake: local.engine,
    stop: () => local.stop(),
    close: () => {
      runtime.destroy();
      local.close();
    },
  };
}

// Athena on the embedded stack's names: the local workgroup, results in AthenaResults, tables
// where the lake keeps them (bronze and silver by dataset, gold tables by database and name).
function athenaScope(services: LocalServices, recorder: CallRecorder): AthenaScope {
  const { Bronze, Silver, Gold, AthenaResults } = services.names;
  return {
    ...recorder.scope,
    workGroup: LOCAL_WORKGROUP,
    results: `s3://${AthenaResults}/results/`,
    location: (table: TableRef) => {
      const dataset = knownDatasets()[table.name];
      const target = dataset?.silver?.target;
      if (table.database === localTables(table.name).bronze.database) return `s3://${Bronze}/${table.name}/`;
      if (table.database === localTables(table.name).silver.database)
        return target?.path && !target.table ? target.path : `s3://${Silver}/${table.name}/`;
      return `s3://${Gold}/${table.database}/${table.name}/`;
    },
    iceberg: (table: TableRef) =>
      table.database !== localTables(table.name).bronze.database &&
      table.database !== localTables(table.name).silver.database,
  };
}

// A file of `packages/functions/src` that some function's handler is in.
type HandlerFile = (typeof functions)[FunctionName]["handler"] extends `${infer File}.${string}` ? File : never;

// Each handler file's module, loaded at first use (a handler builds its SDK clients and reads SST
// links as it loads). Named one by one, not `import(\`@medallion/functions/${file}\`)`, so that a
// bundler sees every module: the CLI runs bundled (bin/medallion.js). The type keeps the list
// equal to the files the functions table names.
const handlerModules: Record<HandlerFile, () => Promise<object>> = {
  gold: () => import("@medallion/functions/gold"),
  ingest: () => import("@medallion/functions/ingest"),
  journey: () => import("@medallion/functions/journey"),
  lock: () => import("@medallion/functions/lock"),
  pull: () => import("@medallion/functions/pull"),
  redrive: () => import("@medallion/functions/redrive"),
  schema: () => import("@medallion/functions/schema"),
  setaside: () => import("@medallion/functions/setaside"),
  silver: () => import("@medallion/functions/silver"),
  sweep: () => import("@medallion/functions/sweep"),
  window: () => import("@medallion/functions/window"),
};

/**
 * The handlers of some functions, loaded in-process as each declares it (`<file>.<export>` of
 * `packages/functions/src`): from `localModules` when its file is there, otherwise the deployed
 * module itself.
 * @param names the functions' logical names
 * @param localModules handler sets built over local dependencies, by file
 */
async function loadHandlers<N extends FunctionName>(
  names: readonly N[],
  localModules: Record<string, object> = {},
): Promise<Record<N, TaskHandler>> {
  const loaded = await Promise.all(
    names.map(async (name) => {
      const [file, exported] = functions[name].handler.split(".") as [HandlerFile, string];
      const module: object = localModules[file] ?? (await handlerModules[file]());
      const handler: unknown = (module as Record<string, unknown>)[exported];
      if (typeof handler !== "function")
        throw new Error(`${name}: packages/functions/src/${file}.ts exports no handler ${exported}`);
      return [name, handler as TaskHandler] as const;
    }),
  );
  return Object.fromEntries(loaded) as Record<N, TaskHandler>;
}

// A landing object's identity, whichever way its ETag is quoted.
const outcomeId = (key: string, etag: string): string => `${key}#${etag.replace(/"/g, "")}`;
