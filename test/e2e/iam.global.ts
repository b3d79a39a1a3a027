import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localNames } from "@medallion/local/services/index";
import { stateMachineAccess } from "@medallion/stacks/functions";
import { declaredAccess, deniedCalls, formatDenials, localDeployment, savedCalls } from "@medallion/testing/iam";

// The IAM contract over the whole end-to-end suite: every embedded stack (in test workers and in
// the CLI processes tests spawn) saves its recorded calls on close; once every test has run,
// each call is held against the policy infra gives its principal. test/e2e/iam.test.ts covers
// every function on purpose; this catches whatever other tests exercise (a new call included).

/** Sets the directory every stack saves its calls to; returns the teardown that checks them. */
export default async function setup(): Promise<() => Promise<void>> {
  const directory = await mkdtemp(join(tmpdir(), "medallion-calls-"));
  process.env.MEDALLION_RECORD_CALLS = directory;
  return async () => {
    try {
      const calls = await savedCalls(directory);
      // Every stack of the suite runs on stage "local": the same physical names.
      const denials = await deniedCalls(calls, declaredAccess(stateMachineAccess), localDeployment(localNames()));
      if (denials.length > 0)
        throw new Error(
          `IAM: ${denials.length} call(s) the end-to-end tests made would be denied on AWS:\n${formatDenials(denials)}`,
        );
      console.info(`IAM: ${calls.length} distinct calls of the end-to-end suite, every one allowed`);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  };
}
