import type { Journey } from "@medallion/core/journey";
import { failJourney, listJourneys } from "@medallion/core/journey";
import type { Lock } from "@medallion/core/lock";
import { datasetLockName, isHolderAlive, LockHeldError, readLock, releaseLock } from "@medallion/core/lock";
import { datasetNamed } from "./datasets";
import type { ErrorJson } from "./errors";
import { UsageError } from "./errors";
import type { CommandContext } from "./index";
import { withTables } from "./lake";

/** What `medallion unlock --json` prints. */
export interface UnlockJson {
  dataset: string;
  /** The lock that was released, or null when none was held. */
  lock: { owner: string; expiresAt: string; pid: number | null } | null;
  /** The journeys of the dataset that were failed ("unlocked"), by id. */
  journeys: string[];
  error: ErrorJson | null;
}

/**
 * `medallion unlock --dataset <name>`: the last resort when a run is stuck. Releases the dataset's
 * consolidation lock and fails its journeys still pending or in progress, refusing (exit 1) while
 * the process that holds any of them is alive. A killed run's lock and journey are taken over by
 * the next run anyway; this is for what that cannot tell (a holder recorded on another host).
 */
export async function execute(context: CommandContext): Promise<number> {
  const { values, out } = context;
  if (context.positionals.length)
    throw new UsageError(`medallion unlock takes no arguments (got "${context.positionals.join(" ")}")`);
  if (!values.dataset) throw new UsageError("medallion unlock needs --dataset <name>: the dataset whose run is stuck");
  const dataset = datasetNamed(values.dataset).name;
  const result = await withTables(context.dataDir, "unlock", async ({ doc, names }): Promise<UnlockJson> => {
    const lockTable = { doc, table: names.Lock! };
    const journeyTable = { doc, table: names.JourneyControl! };
    const lock = await readLock({ ...lockTable, name: datasetLockName(dataset) });
    const open = (await listJourneys(journeyTable)).filter(
      (journey) =>
        journey.metadata.dataset === dataset && (journey.status === "in_progress" || journey.status === "pending"),
    );
    const alive = liveHolder(lock, open);
    if (alive)
      return {
        dataset,
        lock: null,
        journeys: [],
        error: {
          name: LockHeldError.name,
          message: `${alive}: it is running, so nothing was released (stop it first, or let it finish)`,
        },
      };
    if (lock) await releaseLock({ ...lockTable, name: lock.name, owner: lock.owner });
    const failed: string[] = [];
    for (const journey of open) {
      await failJourney({
        ...journeyTable,
        journeyId: journey.journey_id,
        error: { name: "Unlocked", message: "released by medallion unlock: the run holding it was gone" },
      }).catch(() => undefined);
      failed.push(journey.journey_id);
    }
    return {
      dataset,
      lock: lock
        ? { owner: lock.owner, expiresAt: new Date(lock.expires_at).toISOString(), pid: lock.pid ?? null }
        : null,
      journeys: failed,
      error: null,
    };
  });
  if (context.json) out.json(result);
  else if (result.error) out.print(`✗ ${result.error.message}`);
  else
    out.print(
      [
        `medallion unlock: ${dataset}`,
        `  lock             ${result.lock ? `released (held by run ${result.lock.owner}${result.lock.pid ? `, process ${result.lock.pid}` : ""}, lease until ${result.lock.expiresAt})` : "not held"}`,
        `  journeys         ${result.journeys.length ? `${result.journeys.join(", ")} failed ("Unlocked")` : "none in progress"}`,
      ].join("\n"),
    );
  return result.error ? 1 : 0;
}

// What is still held by a live process, said in one phrase; undefined when nothing is.
function liveHolder(lock: Lock | undefined, journeys: Journey[]): string | undefined {
  if (lock && isHolderAlive(lock)) return `the lock ${lock.name} is held by process ${lock.pid}`;
  const journey = journeys.find((j) => isHolderAlive({ host: j.run_host, pid: j.run_pid }));
  return journey ? `journey ${journey.journey_id} is run by process ${journey.run_pid}` : undefined;
}
