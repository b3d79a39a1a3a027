import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * A data directory (`.medallion/`) holds all local state, and one process at a time runs its
 * services (dynalite's LevelDB and the lake's DuckDB file allow one writer). That process
 * claims the directory in `medallion.pid` and says in `medallion.json` where it serves:
 * its S3 and DynamoDB endpoints and, once its engine is up, its read endpoint. Other
 * medallion commands on the same directory go through those instead of opening the files.
 */

/** The data directory is used by another running process (LevelDB and DuckDB allow one writer). */
export class DataDirInUseError extends Error {
  override name = "DataDirInUseError";
}

/** Where the process holding a data directory serves. */
export interface DataDirEndpoints {
  pid: number;
  /** What the process is: `dev`, `run`, … */
  command: string;
  s3: string;
  dynamodb: string;
  /** The read endpoint (`medallion query` beside it), with the token it asks for. */
  reads?: { url: string; token: string };
}

const pidFile = (dataDir: string) => join(dataDir, "medallion.pid");
const endpointsFile = (dataDir: string) => join(dataDir, "medallion.json");

// Commands that hold a directory only for the moment of a read: a claim waits for them.
const BRIEF_HOLDERS = new Set(["journeys", "congregado"]);
const BRIEF_WAIT_MS = 30_000;

/**
 * Marks `dataDir` as used by this process (`medallion.pid`), so a second medallion on the
 * same state fails at once with a clear message instead of deep inside LevelDB. A file left
 * by a process that no longer runs is taken over; one held for a moment by a read
 * (`journeys`, `congregado`, or a holder still starting) is waited for.
 * @param dataDir state directory
 * @returns a function that releases the claim (and withdraws the endpoints)
 * @throws DataDirInUseError naming the live process that holds it
 */
export async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const file = pidFile(dataDir);
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: "wx" });
      return async () => {
        await rm(endpointsFile(dataDir), { force: true });
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = await holderOf(dataDir);
      if (holder !== undefined && holder !== process.pid) {
        const what = (await liveEndpoints(dataDir))?.command;
        const brief = what === undefined || BRIEF_HOLDERS.has(what);
        if (brief && Date.now() - started < (what === undefined ? 2000 : BRIEF_WAIT_MS)) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        throw new DataDirInUseError(
          `${dataDir} is in use by another medallion process (pid ${holder}${what ? `, medallion ${what}` : ""}): stop it, or pass another --data-dir`,
        );
      }
      if (attempt > 100) throw new DataDirInUseError(`${dataDir}: could not claim ${file}`);
      await rm(file, { force: true });
    }
  }
}

/**
 * The live process holding a data directory, if any.
 * @param dataDir state directory
 */
export async function holderOf(dataDir: string): Promise<number | undefined> {
  const pid = Number((await readFile(pidFile(dataDir), "utf8").catch(() => "")).trim());
  return pid && isRunning(pid) ? pid : undefined;
}

/**
 * Says where this process serves (it must hold the directory). Written whole and renamed into
 * place, readable by the owner only: the read endpoint's token is in it.
 * @param dataDir state directory
 * @param endpoints where it serves
 */
export async function publishEndpoints(dataDir: string, endpoints: DataDirEndpoints): Promise<void> {
  const file = endpointsFile(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/**
 * Withdraws what {@link publishEndpoints} said, before the services stop, so no reader finds
 * endpoints that no longer answer.
 * @param dataDir state directory
 */
export async function withdrawEndpoints(dataDir: string): Promise<void> {
  await rm(endpointsFile(dataDir), { force: true });
}

/**
 * Where the live process holding a data directory serves, or undefined when none holds it or it
 * has not said yet.
 * @param dataDir state directory
 */
export async function liveEndpoints(dataDir: string): Promise<DataDirEndpoints | undefined> {
  let endpoints: DataDirEndpoints;
  try {
    endpoints = JSON.parse(await readFile(endpointsFile(dataDir), "utf8")) as DataDirEndpoints;
  } catch {
    return undefined;
  }
  return endpoints.pid === (await holderOf(dataDir)) ? endpoints : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
