import { eventBridgeCron, schedules } from "@medallion/core/schedule";
import { shippedSources } from "@medallion/core/sources";
import { functions } from "@medallion/stacks/functions";
import { lambda } from "./functions";

// HTTP API sources (packages/core/src/sources/registry.ts): per source, an sst.Secret for
// its token (`sst secret set <Name> …`), one Pull function as @medallion/stacks/functions
// declares it, also linked to that secret, and two schedules: hourly ([watermark, now)) and
// daily at 02:00 UTC (D-1). The registry is empty by default, so this creates nothing until
// a source is added there.

/** PascalCase logical name from a source name (`fleet-api` → `FleetApi`). */
function logicalName(source: string): string {
  return source
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

// Sources may share a token: one sst.Secret per secret name.
const secrets = new Map<string, sst.Secret>();
function secretNamed(name: string): sst.Secret {
  let secret = secrets.get(name);
  if (!secret) {
    secret = new sst.Secret(name);
    secrets.set(name, secret);
  }
  return secret;
}

export const sources = Object.fromEntries(
  Object.values(shippedSources).map((source) => {
    const name = logicalName(source.name);
    const secret = source.auth ? secretNamed(source.auth.secret) : undefined;
    const pull = lambda(`Pull${name}`, functions.Pull, secret ? [secret] : []);
    const hourly = new sst.aws.Cron(`Pull${name}Hourly`, {
      schedule: eventBridgeCron(schedules.hourly),
      function: pull.arn,
      event: { source: source.name, window: "hourly" },
    });
    const daily = new sst.aws.Cron(`Pull${name}Daily`, {
      schedule: eventBridgeCron(schedules.daily),
      function: pull.arn,
      event: { source: source.name, window: "daily" },
    });
    return [source.name, { secret, pull, hourly, daily }];
  }),
);
