import { applySchema, assertApplicable, compareWithApplied, SchemaError } from "@medallion/core/schema";
import { silverRebuildSchema } from "@medallion/core/silver";
import * as z from "zod";
import { clients } from "./shared/clients";
import { linked } from "./shared/config";
import { datasets, specOf } from "./shared/datasets";
import { lambdaHandler } from "./shared/handler";
import { logger } from "./shared/observability";

const checkEvent = z.object({
  dataset: z.string().min(1),
  /** A rebuild applies changes a normal run refuses (it recomputes silver and gold from bronze). */
  rebuild: silverRebuildSchema.nullable().default(null),
});

/** What the check returns to the state machine (recorded in the journey's `schema_check` step). */
export interface SchemaCheckResult {
  dataset: string;
  version: number;
  hash: string;
  /** The changes this run applied, as `<what>: <change>` lines. */
  applied: string[];
  /** When the check ran: the start of the journey step. */
  checked_at: string;
}

/**
 * `{ dataset, rebuild? }` → the schema version the run works under (first state after the lock).
 * Compatible changes are recorded as a new version; others fail with SchemaChangeRefusedError
 * before anything is written, naming each change and the command.
 */
export const check = lambdaHandler(checkEvent, async ({ dataset, rebuild }): Promise<SchemaCheckResult> => {
  const checked_at = new Date().toISOString();
  const spec = specOf(datasets(), dataset, (message) => new SchemaError(message));
  const applied = await applySchema({
    doc: clients.doc,
    table: linked("SchemaVersions"),
    spec,
    rebuild: rebuild !== null,
  });
  logger.info("schema version", { ...applied });
  return {
    dataset,
    version: applied.version,
    hash: applied.hash,
    applied: applied.changes.map((c) => `${c.what}: ${c.change} ${c.old ?? "none"} → ${c.new ?? "none"}`),
    checked_at,
  };
});

/**
 * `{ dataset }` → nothing written; fails with SchemaChangeRefusedError when the spec it was
 * deployed with cannot be applied by a run. Infra invokes it at `sst deploy` time, so a deploy
 * carrying such a change fails with the same message a run would.
 */
export const verify = lambdaHandler(z.object({ dataset: z.string().min(1) }), async ({ dataset }) => {
  const spec = specOf(datasets(), dataset, (message) => new SchemaError(message));
  const comparison = await compareWithApplied({ doc: clients.doc, table: linked("SchemaVersions"), spec });
  assertApplicable(dataset, comparison);
  return { dataset, applied: comparison.applied?.version ?? null, changes: comparison.changes.length };
});
