import { execFileSync } from "node:child_process";

// Every Lambda of the app is built the same way: Node 22 on arm64, Powertools' service name
// and namespace, and the code version stamped on processing-log records (the git commit,
// unless MEDALLION_CODE_VERSION says otherwise, e.g. in CI).
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

type Duration = `${number} seconds` | `${number} minutes`;
type Size = `${number} MB`;

/** What differs between the app's functions. */
export interface LambdaOptions {
  /** `packages/functions/src/<file>.<export>` without the folder, e.g. `journey.start`. */
  handler: string;
  /** Exactly the resources the handler uses. */
  link: unknown[];
  timeout?: Duration;
  memory?: Size;
  /** Ephemeral /tmp, for handlers that stage files. */
  storage?: Size;
  /** At most this many at once (e.g. one pull per source). */
  reservedConcurrency?: number;
  /** Powertools service name; default `medallion-<kebab name>`. */
  service?: string;
  /** Rights beyond the links (e.g. buckets outside the lake). */
  permissions?: { actions: string[]; resources: string[] }[];
}

/**
 * An `sst.aws.Function` for a handler of `packages/functions`.
 * @param name the SST logical name (PascalCase)
 * @param options handler, links and sizing
 */
export function lambda(
  name: string,
  {
    handler,
    link,
    timeout = "60 seconds",
    memory = "512 MB",
    storage,
    reservedConcurrency,
    service,
    permissions,
  }: LambdaOptions,
): sst.aws.Function {
  return new sst.aws.Function(name, {
    handler: `packages/functions/src/${handler}`,
    runtime: "nodejs22.x",
    architecture: "arm64",
    memory,
    timeout,
    ...(storage ? { storage } : {}),
    ...(reservedConcurrency ? { concurrency: { reserved: reservedConcurrency } } : {}),
    link,
    ...(permissions?.length ? { permissions } : {}),
    environment: {
      POWERTOOLS_SERVICE_NAME: service ?? `medallion-${name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`,
      POWERTOOLS_METRICS_NAMESPACE: "Medallion",
      MEDALLION_CODE_VERSION: codeVersion,
    },
  });
}
