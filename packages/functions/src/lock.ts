import { renewRunLeases } from "@medallion/core/journey";
import { acquireLock, datasetLockName as lockName, releaseLock } from "@medallion/core/lock";
import * as z from "zod";
import { clients } from "./shared/clients";
import { linked } from "./shared/config";
import { lambdaHandler } from "./shared/handler";
import { logger } from "./shared/observability";

// One run at a time rewrites a dataset's silver and gold: runs of different windows (the
// daily D-1 run and the 02:05 hourly run, a backfill, a manual run) would otherwise plan
// over the same pending files and swap partitions over each other. The state machine takes
// the lock after starting its journey and releases it on every way out.

const lockEvent = z.object({
  dataset: z.string().min(1),
  /** The run that holds it: the journey's run id. */
  owner: z.string().min(1),
});

// The lease is the state machine's (`runLeaseSeconds` of @medallion/stacks/pipeline): past it,
// a run that stopped renewing (crashed) is taken over.
const leaseEvent = lockEvent.extend({ lease_seconds: z.number().int().positive() });

const renewEvent = leaseEvent.extend({
  /** The run's journey, renewed with the lock. */
  journey_id: z.string().min(1),
});

/** `{ dataset, owner }` → the dataset's consolidation lock, or LockHeldError (the state machine retries). */
export const acquire = lambdaHandler(leaseEvent, async ({ dataset, owner, lease_seconds }) => {
  const lock = await acquireLock({
    doc: clients.doc,
    table: linked("Lock"),
    name: lockName(dataset),
    owner,
    leaseMs: lease_seconds * 1000,
  });
  logger.info("dataset lock acquired", { dataset, owner, expires_at: new Date(lock.expires_at).toISOString() });
  return { lock: lock.name, owner, expires_at: lock.expires_at };
});

/**
 * `{ dataset, owner, journey_id, lease_seconds }` → both leases extended: the heartbeat the state
 * machine runs before each long wait. A run whose journey or lock another run took over (its
 * lease lapsed) gets JourneyLeaseLostError or LockLostError here, and stops before writing more.
 */
export const renew = lambdaHandler(renewEvent, async ({ dataset, owner, journey_id, lease_seconds }) => {
  const leases = await renewRunLeases({
    doc: clients.doc,
    journeyTable: linked("JourneyControl"),
    lockTable: linked("Lock"),
    dataset,
    journeyId: journey_id,
    runId: owner,
    leaseMs: lease_seconds * 1000,
  });
  logger.debug("run leases renewed", {
    dataset,
    owner,
    journey_id,
    expires_at: new Date(leases.lockExpiresAt).toISOString(),
  });
  return { journey_lease_until: leases.journeyLeaseUntil, lock_expires_at: leases.lockExpiresAt };
});

/** `{ dataset, owner }` → released if `owner` held it; otherwise nothing changes. */
export const release = lambdaHandler(lockEvent, async ({ dataset, owner }) => {
  const released = await releaseLock({ doc: clients.doc, table: linked("Lock"), name: lockName(dataset), owner });
  logger.info(released ? "dataset lock released" : "dataset lock not held by this run", { dataset, owner });
  return { released };
});
