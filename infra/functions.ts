import { execFileSync } from "node:child_process";
import { eventBridgeCron } from "@medallion/core/schedule";
import type { FunctionDeclaration, FunctionName, LinkName } from "@medallion/stacks/functions";
import { functions, STATE_MACHINE, stageResourceName } from "@medallion/stacks/functions";
import type { Deployment } from "@medallion/stacks/policy";
import { accessPolicy, silverTargetDatabases, silverTargetPathArns } from "@medallion/stacks/policy";
import { bronzeDatabase, goldCatalog, goldDatabase, silverCatalog, silverDatabase, workGroup } from "./catalog";
import { deployedDatasets } from "./datasets";
import { lake } from "./lake";
import { queues } from "./queues";
import { stores } from "./stores";

// Every Lambda of the app, created from its one declaration in @medallion/stacks/functions and
// built the same way: Node 22 on arm64, Powertools' service name and namespace, and the code
// version stamped on processing-log records (the git commit, unless MEDALLION_CODE_VERSION
// says otherwise, e.g. in CI).
const codeVersion = process.env.MEDALLION_CODE_VERSION ?? gitCommit();

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short=12", "HEAD"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "unknown";
  }
}

// A link gives a function a resource's name, nothing more: SST's own bucket and table links
// would grant s3:* and dynamodb:*. Each function's rights are its declared access, below.
sst.Linkable.wrap(sst.aws.Bucket, (bucket) => ({ properties: { name: bucket.name } }));
sst.Linkable.wrap(sst.aws.Dynamo, (table) => ({ properties: { name: table.name } }));

// What each link name of the table stands for.
const links: Record<LinkName, unknown> = { ...lake, ...stores, SilverCatalog: silverCatalog, GoldCatalog: goldCatalog };

// Each resource's physical name, by link name.
const names = <K extends string, R>(resources: Record<K, R>, name: (resource: R) => $util.Output<string>) =>
  Object.fromEntries(Object.entries<R>(resources).map(([key, resource]) => [key, name(resource)])) as Record<
    K,
    $util.Output<string>
  >;

/**
 * The state machine's name (infra/pipeline.ts), fixed here so the functions that read its
 * executions' histories are granted on them without depending on the machine, which depends on them.
 */
export const stateMachineName = stageResourceName($app.stage, STATE_MACHINE, $app.name);

/** This deployment's names and ARNs, which the declared access resolves to (`@medallion/stacks/policy`). */
export const deployment: $util.Output<Deployment> = $util.output({
  region: aws.getRegionOutput().name,
  account: aws.getCallerIdentityOutput().accountId,
  buckets: names(lake, (bucket) => bucket.name),
  tables: names(stores, (table) => table.name),
  queues: names(queues, (queue) => queue.nodes.queue.name),
  databases: { bronze: bronzeDatabase.name, silver: silverDatabase.name, gold: goldDatabase.name },
  workGroup: workGroup.name,
  silverTargetPaths: silverTargetPathArns(deployedDatasets),
  silverTargetDatabases: silverTargetDatabases(deployedDatasets),
  stateMachineName,
});

/**
 * An `sst.aws.Function` for a declared handler of `packages/functions`.
 * @param name the SST logical name (PascalCase)
 * @param declaration its handler, sizing, links and rights
 * @param extraLinks links known only here (e.g. a source's secret)
 */
export function lambda(name: string, declaration: FunctionDeclaration, extraLinks: unknown[] = []): sst.aws.Function {
  return new sst.aws.Function(name, {
    ...(declaration.fixedName ? { name: stageResourceName($app.stage, name, $app.name) } : {}),
    handler: `packages/functions/src/${declaration.handler}`,
    runtime: "nodejs22.x",
    architecture: "arm64",
    // Relative to sst.config.ts; test/bench/bundles bundles with the same plugins.
    nodejs: { minify: true, plugins: "infra/bundle-plugins.mjs" },
    memory: `${declaration.memoryMB} MB`,
    timeout: `${declaration.timeoutSeconds} seconds`,
    ...(declaration.storageMB ? { storage: `${declaration.storageMB} MB` as const } : {}),
    ...(declaration.reservedConcurrency ? { concurrency: { reserved: declaration.reservedConcurrency } } : {}),
    link: [...declaration.links.map((link) => links[link]), ...extraLinks],
    permissions: deployment.apply((names) => accessPolicy(declaration.access, names)),
    environment: {
      POWERTOOLS_SERVICE_NAME:
        declaration.service ?? `medallion-${name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`,
      POWERTOOLS_METRICS_NAMESPACE: "Medallion",
      MEDALLION_CODE_VERSION: codeVersion,
    },
  });
}

/** A function deployed once (the per-source ones are deployed by infra/sources.ts). */
type DeployedOnce = {
  [N in FunctionName]: (typeof functions)[N] extends { perSource: true } ? never : N;
}[FunctionName];

/** Every function deployed once, by logical name. */
export const lambdas = Object.fromEntries(
  (Object.keys(functions) as FunctionName[])
    .filter((name): name is DeployedOnce => !("perSource" in functions[name]))
    .map((name) => [name, lambda(name, functions[name])]),
) as Record<DeployedOnce, sst.aws.Function>;

/** Functions invoked on a schedule, each with the event its declaration gives. */
export const functionSchedules = (Object.keys(lambdas) as (keyof typeof lambdas)[]).flatMap((name) => {
  const declaration: FunctionDeclaration = functions[name];
  if (!declaration.schedule) return [];
  return [
    new sst.aws.Cron(`${name}Schedule`, {
      schedule: eventBridgeCron(declaration.schedule.cron),
      function: lambdas[name].arn,
      event: declaration.schedule.event,
    }),
  ];
});
