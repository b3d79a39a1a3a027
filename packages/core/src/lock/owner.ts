import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * The process that holds a lease (a lock, a journey): its host and pid, recorded with the lease
 * so that a holder that is gone can be told apart from a slow one. Only a process on the same
 * host (the same boot of the same machine) can tell; from anywhere else the lease decides.
 */
export interface LeaseHolder {
  /** The host name and, where the system says it, the boot id: pids are only unique within one boot. */
  host: string;
  pid: number;
}

let here: LeaseHolder | undefined;

/** This process, as a lease holder. */
export function thisProcess(): LeaseHolder {
  if (!here) {
    let boot = "";
    try {
      boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      // Not Linux: the host name alone.
    }
    here = { host: boot ? `${hostname()}#${boot}` : hostname(), pid: process.pid };
  }
  return here;
}

/**
 * True only when the holder is known to be gone: it ran on this host (this boot) and its pid is
 * no process any more. Unknown holders, other hosts and live pids are not gone (a reused pid
 * reads as alive, so the lease decides: the safe side).
 * @param holder the recorded host and pid, if any
 */
export function isHolderGone(holder: Partial<LeaseHolder> | undefined): boolean {
  if (!holder?.host || typeof holder.pid !== "number") return false;
  const self = thisProcess();
  if (holder.host !== self.host || holder.pid === self.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * True when the holder is known to be alive: this process, or a live pid on this host.
 * @param holder the recorded host and pid, if any
 */
export function isHolderAlive(holder: Partial<LeaseHolder> | undefined): boolean {
  if (!holder?.host || typeof holder.pid !== "number") return false;
  const self = thisProcess();
  if (holder.host !== self.host) return false;
  return holder.pid === self.pid || !isHolderGone(holder);
}
