/**
 * What bounds a fleet run (issue 21): while the workers measure, samples the server side — CPU time
 * of the PostgreSQL backends serving the fleet (by `application_name`, read from `/proc` when the
 * server runs on this machine), what those backends wait for (`pg_stat_activity` wait events, advisory
 * locks not granted), how many are connected — and the whole machine's CPU, so a row can say "both
 * cores busy: node X µs, postgres Y µs per superstep".
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';

/** Clock ticks per second of `/proc/<pid>/stat` times (Linux's USER_HZ, 100 everywhere that matters). */
const TICK_US = 10_000;
const SAMPLE_MS = 100;

/** What one probe saw over its window. */
export interface ProbeResult {
  /** CPU time of the fleet's backends over the window, µs (undefined when `/proc` has no such pids). */
  readonly backendCpuUs?: number;
  /** CPU time of the server's other processes (walwriter, checkpointer, …: shared with other users), µs. */
  readonly serverOtherCpuUs?: number;
  /** Busy share of all cores of the machine over the window (1 = every core busy all the time). */
  readonly machineBusy?: number;
  /** Cores of the machine. */
  readonly cores?: number;
  /** Mean backends of the fleet connected / running a statement / waiting on a lock, per sample. */
  readonly connected: number;
  /** Distinct backends seen over the window (more than `connected`: connections were replaced). */
  readonly seen: number;
  readonly active: number;
  readonly lockWaits: number;
  /** Mean backends per wait event (`type:event`, or `cpu` for active and not waiting), per sample. */
  readonly waits: Readonly<Record<string, number>>;
}

/** utime + stime of `pid` in µs, or undefined when it is not visible. */
function cpuOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the machine (`/proc/stat`), or undefined off Linux. */
function machineTicks(): { busy: number; total: number; cores: number } | undefined {
  try {
    const lines = readFileSync('/proc/stat', 'latin1').split('\n');
    const all = (lines[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const idle = (all[3] ?? 0) + (all[4] ?? 0);
    const total = all.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total, cores: lines.filter((l) => /^cpu\d/.test(l)).length };
  } catch {
    return undefined;
  }
}

/**
 * Starts sampling the backends whose `application_name` is `app`; `stop()` ends the window and
 * returns what was seen. Backends that connect during the window count from when they are first seen.
 */
export async function startProbe(url: string, app: string): Promise<{ stop: () => Promise<ProbeResult> }> {
  const client = new pg.Client({ connectionString: url, application_name: 'agentstore-bench-probe' });
  client.on('error', () => {});
  await client.connect();
  // The server's own processes (walwriter, checkpointer, …): what they spend is the WAL and buffers of
  // every client of the server, this fleet's included.
  const others = (
    await client
      .query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE backend_type <> 'client backend'")
      .catch(() => ({ rows: [] }))
  ).rows.map((row) => row.pid);
  const otherStart = new Map(others.map((pid) => [pid, cpuOf(pid)]));
  const firstCpu = new Map<number, number>();
  const lastCpu = new Map<number, number>();
  const machineStart = machineTicks();
  const waits = new Map<string, number>();
  let samples = 0;
  let connected = 0;
  let active = 0;
  let lockWaits = 0;
  let stopped = false;

  const sample = async () => {
    const rows = (
      await client.query<{ pid: number; state: string | null; wtype: string | null; wevent: string | null; lockwait: boolean }>(
        `SELECT a.pid, a.state, a.wait_event_type AS wtype, a.wait_event AS wevent,
                EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted) AS lockwait
           FROM pg_stat_activity a WHERE a.application_name = $1`,
        [app],
      )
    ).rows;
    samples++;
    connected += rows.length;
    for (const row of rows) {
      const cpu = cpuOf(row.pid);
      if (cpu !== undefined) {
        if (!firstCpu.has(row.pid)) firstCpu.set(row.pid, cpu);
        lastCpu.set(row.pid, cpu);
      }
      if (row.state !== 'active') continue;
      active++;
      if (row.lockwait) lockWaits++;
      const what = row.wtype === null ? 'cpu' : `${row.wtype}:${row.wevent}`;
      waits.set(what, (waits.get(what) ?? 0) + 1);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      const began = Date.now();
      await sample().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, SAMPLE_MS - (Date.now() - began))));
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      await loop;
      // One last reading of every backend seen, so the window's end is counted.
      for (const pid of firstCpu.keys()) {
        const cpu = cpuOf(pid);
        if (cpu !== undefined) lastCpu.set(pid, cpu);
      }
      const machineEnd = machineTicks();
      await client.end().catch(() => {});
      let backendCpuUs: number | undefined;
      for (const [pid, first] of firstCpu) backendCpuUs = (backendCpuUs ?? 0) + ((lastCpu.get(pid) ?? first) - first);
      let serverOtherCpuUs: number | undefined;
      for (const [pid, first] of otherStart) {
        const end = cpuOf(pid);
        if (first !== undefined && end !== undefined) serverOtherCpuUs = (serverOtherCpuUs ?? 0) + (end - first);
      }
      const per = (n: number) => (samples === 0 ? 0 : Math.round((n / samples) * 10) / 10);
      return {
        ...(backendCpuUs === undefined ? {} : { backendCpuUs }),
        ...(serverOtherCpuUs === undefined ? {} : { serverOtherCpuUs }),
        ...(machineStart && machineEnd
          ? {
              machineBusy: (machineEnd.busy - machineStart.busy) / Math.max(1, machineEnd.total - machineStart.total),
              cores: machineEnd.cores,
            }
          : {}),
        connected: per(connected),
        seen: firstCpu.size,
        active: per(active),
        lockWaits: per(lockWaits),
        waits: Object.fromEntries([...waits].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, per(n)])),
      };
    },
  };
}
