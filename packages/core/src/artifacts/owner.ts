import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Owner } from './artifact-layout.js';

/** The text of a small system file, trimmed; undefined where it cannot be read (no /proc, say). */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Where a pid means something: the host name, the kernel's boot id (a reboot starts pids anew) and the
 * pid namespace (two containers on one kernel number their processes apart). Only a pid recorded with
 * this very id is judged by this process; any other owner keeps its records until they lapse.
 */
function hostId(): string {
  let pidNamespace: string | undefined;
  try {
    pidNamespace = readlinkSync('/proc/self/ns/pid');
  } catch {
    pidNamespace = undefined;
  }
  return [hostname(), readText('/proc/sys/kernel/random/boot_id'), pidNamespace].filter((p) => p !== undefined && p !== '').join('/');
}

/** State letter and start time (clock ticks since boot) of a process, from /proc; undefined without /proc or process. */
export function processStat(pid: number): { readonly state: string; readonly start: number } | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = Number(fields[19]);
  const state = fields[0];
  if (state === undefined || !Number.isSafeInteger(start)) return undefined;
  return { state, start };
}

/** This process, as the owner of leases, reservations and unfinished writes. */
export const OWNER: Owner = (() => {
  const start = processStat(process.pid)?.start;
  return { token: randomBytes(8).toString('hex'), pid: process.pid, host: hostId(), ...(start === undefined ? {} : { start }) };
})();

/**
 * True when `owner` was a process of this host that no longer exists: `kill(pid, 0)` answers ESRCH,
 * the process is a zombie, or the pid now belongs to a process that started at another time (reused).
 * Anything uncertain (another host, no /proc to compare start times, EPERM) counts as alive, so a
 * record is never taken from a live owner; such records lapse at their expiry.
 */
export function ownerGone(owner: Owner, self: Owner = OWNER): boolean {
  if (owner.host !== self.host) return false;
  if (owner.pid === self.pid) {
    // Another module copy or worker thread of this process shares the pid and the start time.
    return owner.start !== undefined && self.start !== undefined && owner.start !== self.start;
  }
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  const now = processStat(owner.pid);
  if (now === undefined) return false;
  if (now.state === 'Z' || now.state === 'X') return true; // killed, not yet reaped by its parent
  return owner.start !== undefined && now.start !== owner.start;
}

/** `ownerGone` with its answers kept for the length of one transaction (one syscall per owner). */
export class OwnerCheck {
  readonly #seen = new Map<string, boolean>();

  /** Whether `owner` is a process of this host that no longer exists. */
  gone(owner: Owner): boolean {
    const id = `${owner.host}\0${owner.pid}\0${owner.start ?? ''}\0${owner.token}`;
    let answer = this.#seen.get(id);
    if (answer === undefined) {
      answer = ownerGone(owner);
      this.#seen.set(id, answer);
    }
    return answer;
  }
}
