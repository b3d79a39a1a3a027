import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { knownDatasets } from "@medallion/core/dataset";
import type { BucketName, QueueName, TableName } from "@medallion/core/resources";
import { buckets, queues, tables } from "@medallion/core/resources";
import type { RecordedCall } from "@medallion/local/iam/recorder";
import { LOCAL_ACCOUNT, localFunctionArn } from "@medallion/local/lambda-context";
import { LOCAL_STATE_MACHINE, LOCAL_WORKGROUP, localFunctionName } from "@medallion/local/pipeline";
import type { Access } from "@medallion/stacks/functions";
import { functions, STATE_MACHINE, taskFunctionNames } from "@medallion/stacks/functions";
import type { Deployment } from "@medallion/stacks/policy";
import { grants, policyDocument, silverTargetPathArns, targetResources } from "@medallion/stacks/policy";

// The IAM contract: the calls the embedded stack recorded, held against the policies infra
// builds from the same declarations, evaluated offline by an IAM policy simulator.

/** Every principal's declared access: each function's, and the state machine's. */
export type Accesses = Record<string, Access>;

/**
 * The declared access of every function and of the state machine.
 * @param stateMachine the state machine's access
 */
export function declaredAccess(stateMachine: Access): Accesses {
  return {
    ...Object.fromEntries(Object.entries(functions).map(([name, declaration]) => [name, declaration.access])),
    [STATE_MACHINE]: stateMachine,
  };
}

/**
 * The embedded stack as a deployment: its physical names, local workgroup and databases,
 * and the local ARNs of the task functions.
 * @param names the stack's physical names by link name
 */
export function localDeployment(names: Record<string, string>): Deployment {
  const pick = <K extends string>(declared: Record<K, unknown>) =>
    Object.fromEntries(Object.keys(declared).map((name) => [name, names[name]!])) as Record<K, string>;
  return {
    region: "us-east-1",
    account: LOCAL_ACCOUNT,
    buckets: pick<BucketName>(buckets),
    tables: pick<TableName>(tables),
    queues: pick<QueueName>(queues),
    databases: { bronze: "bronze", silver: "silver", gold: "gold" },
    workGroup: LOCAL_WORKGROUP,
    silverTargetPaths: silverTargetPathArns(Object.values(knownDatasets())),
    taskFunctions: taskFunctionNames.map((name) => localFunctionArn(localFunctionName(name))),
    stateMachineName: LOCAL_STATE_MACHINE,
  };
}

/** A recorded call the policy would not allow, and why. */
export interface Denial {
  principal: string;
  action: string;
  resource: string;
  via: string;
  /** `ImplicitlyDenied`, an unmapped call, an undeclared principal, or the simulator's validation error. */
  reason: string;
}

/**
 * Evaluates every recorded call against its principal's policy with `@cloud-copilot/iam-simulate`.
 * @param calls what the embedded stack recorded
 * @param accesses each principal's declared access
 * @param deployment the names policies resolve to
 * @returns the calls that would be denied (empty when every call is allowed)
 */
export async function deniedCalls(
  calls: readonly RecordedCall[],
  accesses: Accesses,
  deployment: Deployment,
): Promise<Denial[]> {
  const denials: Denial[] = [];
  const documents = new Map<string, ReturnType<typeof policyDocument>>();
  for (const call of calls) {
    const denied = (reason: string) =>
      denials.push({ principal: call.principal, action: call.action, resource: call.resource, via: call.via, reason });
    if (call.unmapped) {
      denied(`no IAM mapping for this SDK call: add it to packages/local/src/iam/requests.ts`);
      continue;
    }
    const access = accesses[call.principal];
    if (!access) {
      denied(`${call.principal} is no declared function`);
      continue;
    }
    let document = documents.get(call.principal);
    if (!document) {
      document = policyDocument(access, deployment);
      documents.set(call.principal, document);
    }
    const result = await runSimulation(
      {
        identityPolicies: document.Statement.length ? [{ name: call.principal, policy: document }] : [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          action: call.action,
          principal: `arn:aws:iam::${deployment.account}:role/${call.principal}`,
          resource: { resource: call.resource, accountId: deployment.account },
          contextVariables: {},
        },
      },
      {},
    );
    if (result.resultType === "error") denied(`simulation error: ${JSON.stringify(result.errors)}`);
    else if (result.overallResult !== "Allowed") denied(result.overallResult);
  }
  return denials;
}

/** A granted action no recorded call used. */
export interface UnusedGrant {
  principal: string;
  target: string;
  action: string;
  /** Why it is granted anyway, when declared. */
  unexercised?: string;
}

// An IAM resource pattern (`*` and `?` wildcards) as a regular expression.
const pattern = (resource: string): RegExp =>
  new RegExp(
    `^${resource
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );

/**
 * Granted actions that no recorded call of their principal used on their target's resources.
 * @param calls what the embedded stack recorded
 * @param accesses each principal's declared access
 * @param deployment the names policies resolve to
 */
export function unusedGrants(
  calls: readonly RecordedCall[],
  accesses: Accesses,
  deployment: Deployment,
): UnusedGrant[] {
  return Object.entries(accesses).flatMap(([principal, access]) =>
    grants(access).flatMap(({ target, action, unexercised }) => {
      const resources = targetResources(target, deployment).map(pattern);
      if (resources.length === 0) return [];
      const used = calls.some(
        (call) =>
          call.principal === principal &&
          call.action === action &&
          resources.some((resource) => resource.test(call.resource)),
      );
      return used ? [] : [{ principal, target, action, ...(unexercised ? { unexercised } : {}) }];
    }),
  );
}

/**
 * One line per denial, as a failing test prints them.
 * @param denials what {@link deniedCalls} found
 */
export function formatDenials(denials: readonly Denial[]): string {
  return denials
    .map((d) => `${d.principal}: ${d.action} on ${d.resource} (${d.via}) → ${d.reason}`)
    .sort()
    .join("\n");
}

/**
 * The calls saved by every stack of a run (see `CallRecorder.save`), merged.
 * @param directory where the stacks saved them
 */
export async function savedCalls(directory: string): Promise<RecordedCall[]> {
  const merged = new Map<string, RecordedCall>();
  for (const file of await readdir(directory).catch(() => [])) {
    for (const line of (await readFile(join(directory, file), "utf8")).split("\n")) {
      if (!line) continue;
      const call = JSON.parse(line) as RecordedCall;
      const id = `${call.principal}\u0000${call.action}\u0000${call.resource}`;
      const known = merged.get(id);
      if (known) known.count += call.count;
      else merged.set(id, call);
    }
  }
  return [...merged.values()];
}
