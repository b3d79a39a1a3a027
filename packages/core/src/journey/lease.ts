import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { datasetLockName, renewLock } from "../lock/lock";
import { renewLease } from "./control";

/** Options of {@link renewRunLeases}: the two tables, the run and the new lease. */
export interface RenewRunLeasesOptions {
  doc: DynamoDBDocumentClient;
  /** JourneyControl table. */
  journeyTable: string;
  /** Lock table. */
  lockTable: string;
  dataset: string;
  journeyId: string;
  /** The run holding both: the journey's run id, the lock's owner. */
  runId: string;
  leaseMs: number;
  /** Epoch-ms clock (default `Date.now`). */
  clock?: () => number;
}

/** The new expiries of a run's leases (epoch ms). */
export interface RunLeases {
  journeyLeaseUntil: number;
  lockExpiresAt: number;
}

/**
 * The heartbeat of a run: extends the leases of its journey and of its dataset lock, the
 * journey first (as the state machine's RenewRunLeases does before each long wait). A run
 * whose lease lapsed and was taken over stops here, before writing more.
 * @param options tables, dataset, journey, run and the new lease
 * @returns both new expiries
 * @throws JourneyLeaseLostError or LockLostError when another run took the journey or lock over
 * @example await renewRunLeases({ doc, journeyTable, lockTable, dataset: "car_telemetry", journeyId, runId, leaseMs: 40 * 60_000 });
 */
export async function renewRunLeases({
  doc,
  journeyTable,
  lockTable,
  dataset,
  journeyId,
  runId,
  leaseMs,
  clock = Date.now,
}: RenewRunLeasesOptions): Promise<RunLeases> {
  const journeyLeaseUntil = await renewLease({ doc, table: journeyTable, clock, journeyId, runId, leaseMs });
  const lockExpiresAt = await renewLock({
    doc,
    table: lockTable,
    clock,
    name: datasetLockName(dataset),
    owner: runId,
    leaseMs,
  });
  return { journeyLeaseUntil, lockExpiresAt };
}
