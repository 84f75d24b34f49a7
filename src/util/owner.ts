/**
 * Owners of leases and runs: `host:pid:random`, so a process can tell that an owner on its own host
 * is gone (its pid no longer exists) without waiting for a lease or heartbeat to run out.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

/** A new owner id for this process. */
export function newOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** The pid of an owner on this host, or null for another host or an unknown format. */
export function localPid(owner: string | null): number | null {
  const parts = owner?.split(":") ?? [];
  if (parts.length < 3 || parts.slice(0, -2).join(":") !== hostname()) return null;
  const pid = Number(parts[parts.length - 2]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

export function processGone(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** True when the owner ran on this host and its process no longer exists. */
export function ownerGone(owner: string | null): boolean {
  const pid = localPid(owner);
  return pid !== null && processGone(pid);
}
