import { knownDatasets } from "@medallion/core/dataset";
import { assertApplicable, compareWithApplied } from "@medallion/core/schema";
import { localClients } from "../services/clients";
import type { LocalStack } from "../stack";
import type { ErrorJson } from "./errors";

/** Exit code of a run refused for a spec change (as for a usage error: the caller resolves it). */
export const REFUSED = 2;

/**
 * Throws SchemaChangeRefusedError when the dataset's spec differs from its applied schema in a
 * way a run refuses: the CLI checks before ingesting anything, so nothing is written under it.
 * @param stack the embedded stack
 * @param dataset the dataset
 */
export async function refuseSchemaChange(stack: LocalStack, dataset: string): Promise<void> {
  const spec = knownDatasets()[dataset];
  if (!spec) return;
  const clients = localClients(stack.services.env);
  try {
    const comparison = await compareWithApplied({ doc: clients.doc, table: stack.names.SchemaVersions!, spec });
    assertApplicable(dataset, comparison);
  } finally {
    clients.destroy();
  }
}

/**
 * The exit code of a command that ended with `error`: 0 without one, 2 for a refused spec
 * change, 1 otherwise.
 * @param result what the command did
 */
export function exitCodeOf({ error }: { error: ErrorJson | null }): number {
  if (!error) return 0;
  return error.name === "SchemaChangeRefusedError" ? REFUSED : 1;
}
