import { knownDatasets } from "@medallion/core/dataset";
import type { IngestResult } from "@medallion/core/ingest";
import { ingestResultSchema } from "@medallion/core/ingest";
import type { WindowRequest } from "@medallion/core/schedule";
import type { FunctionName } from "@medallion/stacks/functions";
import { functions, taskFunctionNames } from "@medallion/stacks/functions";
import { z } from "zod";
import { localSilverDependencies, localTables } from "./engine/index";
import { lambdaContext } from "./lambda-context";
import { decodeS3Key, NotificationQueue, s3Notification } from "./notifications";
import type { ExecutionOutcome, PipelineHandlers, StateEvent, TaskHandler } from "./pipeline";
import { executePipeline, localFunctionName } from "./pipeline";
import type { LocalServices } from "./services/index";
import { startServices } from "./services/index";

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
    input: { dataset: string; window: WindowRequest; at?: string },
    onState?: (event: StateEvent) => void,
  ): Promise<ExecutionOutcome>;
  /** The handlers behind the pipeline's Task states (tests substitute one to inject a failure). */
  pipeline: PipelineHandlers;
  /** Waits for every notification in flight. */
  drain(): Promise<void>;
  /** Drains, then stops the services (state is flushed to `dataDir`). Safe to call twice. */
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
  const services = await startServices({ dataDir: options.dataDir });
  Object.assign(process.env, services.env, {
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? options.logLevel ?? "WARN",
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
    POWERTOOLS_SERVICE_NAME: "medallion",
  });
  // Loaded only now: handler modules build their SDK clients and read SST links at load.
  const { Ingest: ingest } = await loadHandlers(["Ingest"]);

  const outcomes = new Map<string, IngestOutcome>();
  const waiters = new Map<string, ((outcome: IngestOutcome) => void)[]>();
  const settle = (outcome: IngestOutcome) => {
    const id = outcomeId(outcome.key, outcome.etag);
    outcomes.set(id, outcome);
    for (const resolve of waiters.get(id) ?? []) resolve(outcome);
    waiters.delete(id);
    options.onIngested?.(outcome);
  };

  const queue = new NotificationQueue(
    async (event) => {
      const context = lambdaContext(localFunctionName("Ingest"), functions.Ingest.timeoutSeconds * 1000);
      const { results } = ingestOutputSchema.parse(await ingest(event, context));
      const object = event.Records[0]!.s3.object;
      for (const result of results) settle({ key: decodeS3Key(object.key), etag: object.eTag, result });
    },
    (event, error) => {
      const object = event.Records[0]!.s3.object;
      settle({
        key: decodeS3Key(object.key),
        etag: object.eTag,
        error: error instanceof Error ? error.message : String(error),
      });
    },
  );
  services.s3.onObjectCreated((created) => {
    if (created.bucket === services.names.Landing) queue.push(s3Notification(created));
  });

  const pipeline = await pipelineHandlers(services, options.dataDir);

  let closing: Promise<void> | undefined;
  return {
    services,
    names: services.names,
    ingested: (key, etag) => {
      const id = outcomeId(key, etag);
      const known = outcomes.get(id);
      if (known) return Promise.resolve(known);
      return new Promise((resolve) => waiters.set(id, [...(waiters.get(id) ?? []), resolve]));
    },
    pipeline: pipeline.handlers,
    execute: (input, onState) => executePipeline({ handlers: pipeline.handlers, input, onState }),
    drain: () => queue.drain(),
    close: () =>
      (closing ??= (async () => {
        await queue.drain();
        pipeline.close();
        await services.close();
      })()),
  };
}

// The pipeline's Task handlers: the same modules deployed to Lambda, over the embedded
// stack's dependencies (DuckDB engine, local catalog) where AWS would use Athena and Glue.
async function pipelineHandlers(
  services: LocalServices,
  dataDir: string,
): Promise<{ handlers: PipelineHandlers; close(): void }> {
  const silverDeps = await localSilverDependencies({ services, dataDir });
  const [{ silverHandlers }, { goldHandlers }] = await Promise.all([
    import("@medallion/functions/silver"),
    import("@medallion/functions/gold"),
  ]);
  // Silver and gold build their handlers over the local dependencies instead of their AWS wiring.
  const localModules: Record<string, object> = {
    silver: silverHandlers(() => silverDeps),
    gold: goldHandlers(() => ({
      engine: silverDeps.engine,
      datasets: knownDatasets(),
      silverTable: (dataset: string) => localTables(dataset).silver,
      doc: silverDeps.doc,
      congregadoTable: services.names.Congregado!,
      journeyTable: services.names.JourneyControl!,
    })),
  };
  return {
    handlers: { ...(await loadHandlers(taskFunctionNames, localModules)), engine: silverDeps.engine },
    close: () => silverDeps.close(),
  };
}

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
      const [file, exported] = functions[name].handler.split(".") as [string, string];
      const module: object = localModules[file] ?? (await import(`@medallion/functions/${file}`));
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
