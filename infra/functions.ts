import { execFileSync } from "node:child_process";
import type { FunctionDeclaration, FunctionName, LinkName, ResourceSet } from "@medallion/stacks/functions";
import { functions } from "@medallion/stacks/functions";
import { goldCatalog, silverCatalog, targetPathAccess } from "./catalog";
import { lake } from "./lake";
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

// What each link name of the table stands for.
const links: Record<LinkName, unknown> = { ...lake, ...stores, SilverCatalog: silverCatalog, GoldCatalog: goldCatalog };

// The resources each resource set of the table resolves to at deploy time.
const resourceSets: Record<ResourceSet, string[]> = { SilverTargetPaths: targetPathAccess };

/**
 * An `sst.aws.Function` for a declared handler of `packages/functions`.
 * @param name the SST logical name (PascalCase)
 * @param declaration its handler, sizing, links and rights
 * @param extraLinks links known only here (e.g. a source's secret)
 */
export function lambda(name: string, declaration: FunctionDeclaration, extraLinks: unknown[] = []): sst.aws.Function {
  const permissions = (declaration.permissions ?? []).flatMap(({ actions, on }) =>
    resourceSets[on].length ? [{ actions: [...actions], resources: resourceSets[on] }] : [],
  );
  return new sst.aws.Function(name, {
    handler: `packages/functions/src/${declaration.handler}`,
    runtime: "nodejs22.x",
    architecture: "arm64",
    memory: `${declaration.memoryMB} MB`,
    timeout: `${declaration.timeoutSeconds} seconds`,
    ...(declaration.storageMB ? { storage: `${declaration.storageMB} MB` as const } : {}),
    ...(declaration.reservedConcurrency ? { concurrency: { reserved: declaration.reservedConcurrency } } : {}),
    link: [...declaration.links.map((link) => links[link]), ...extraLinks],
    ...(permissions.length ? { permissions } : {}),
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
