import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from '../context.js';
import { type ProbeResult, startProbe } from '../fleet-probe.js';
import type { FleetJob, FleetReport } from '../fleet-worker.js';
import { CHILD_EXEC_ARGV } from '../load-mode.js';
import { Recorder } from '../stats.js';
import { dropSchemas, ownSchema, PG_URL, postgresUnreachable, runSchema } from '../subjects/raw-postgres.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'fleet-worker.ts');
/** Worker processes per step of the fleet. */
export const FLEET_PROCESSES = [1, 2, 4, 8] as const;
/** Concurrent LangGraph threads per worker process. */
const THREADS = 50;
/** Connections per worker process, the same for both savers (8 × 6 = 48 of the server's 100). */
const POOL_SIZE = 6;
/**
 * Supersteps each worker runs before the window opens (and at least the warm-up time): V8 needs a few
 * thousand calls of the hot paths to optimize them, and each process warms on its own — with a fixed
 * 2 s, 8 processes each doing 1/8 of the work were measured half cold (a superstep cost 2–3× the CPU).
 */
const WARMUP_SUPERSTEPS = 1_500;
/** Longest wait for every worker to finish warming up; the window then opens anyway. */
const WARM_TIMEOUT_MS = 120_000;
/** The workers' `application_name`, by which the probe finds their backends. */
const FLEET_APP = 'agentstore-bench-fleet';
/** How long a worker waits for the others (opening, first checkpoints) before the run is abandoned. */
const READY_TIMEOUT_MS = 300_000;

/**
 * The fleet rows: 1, 2, 4 and 8 worker processes × 50 concurrent LangGraph threads each, every
 * process checkpointing into the same postgres `checkpoints` domain (`AgentstoreSaver`) or the same
 * `PostgresSaver` tables, on the same server in the same run: supersteps per second (all workers
 * together, over the measured window) and p99 of one superstep (`putWrites` then `put`).
 */
export async function fleetSection(ctx: Context): Promise<void> {
  const unreachable = await postgresUnreachable(PG_URL);
  if (unreachable) {
    ctx.results.skip('fleet', unreachable);
    return;
  }
  // A quick run (a smoke test with a time limit) runs 1 and 2 processes only, briefly warmed.
  const windowMs = ctx.quick
    ? { warmupMs: 500, warmupSupersteps: 100, measureMs: 2_000 }
    : { warmupMs: 2_000, warmupSupersteps: WARMUP_SUPERSTEPS, measureMs: 6_000 };
  const ownRate = new Map<number, number>();
  for (const processes of ctx.quick ? FLEET_PROCESSES.slice(0, 2) : FLEET_PROCESSES) {
    const rates: Record<'agentstore' | 'postgres', number> = { agentstore: 0, postgres: 0 };
    for (const saver of ['postgres', 'agentstore'] as const) {
      const schema = `${runSchema()}_fleet_${saver === 'agentstore' ? 'as' : 'pg'}${processes}`;
      ownSchema(schema);
      try {
        if (saver === 'postgres') await setUpPostgresSaver(schema);
        ctx.progress.step(`fleet · ${processes} × ${THREADS} threads · ${saver === 'agentstore' ? 'AgentstoreSaver' : 'PostgresSaver'}`);
        const { reports, probe } = await runFleet(ctx, saver, schema, processes, windowMs);
        const recorder = new Recorder(reports.reduce((n, r) => n + r.supersteps, 0));
        for (const r of reports) for (const us of r.latenciesUs) recorder.add(us * 1000);
        recorder.addWall(windowMs.measureMs * 1e6);
        const summary = recorder.summary();
        rates[saver] = summary.opsPerSec;
        const errors = reports.reduce((n, r) => n + r.errors, 0);
        const firstError = reports.find((r) => r.firstError)?.firstError;
        const isOurs = saver === 'agentstore';
        const cost = costOf(reports, probe);
        if (isOurs) ownRate.set(processes, summary.opsPerSec);
        const base = ownRate.get(1);
        const targets =
          isOurs && processes === 8
            ? [
                { text: 'supersteps/s ≥ 2× PostgresSaver at 8 processes', pass: summary.opsPerSec >= 2 * rates.postgres },
                ...(base ? [{ text: 'supersteps/s at 8 processes ≥ 3× at 1', pass: summary.opsPerSec >= 3 * base }] : []),
              ]
            : undefined;
        ctx.results.add({
          section: 'fleet',
          op: `superstep, ${processes} process${processes > 1 ? 'es' : ''} × ${THREADS} threads`,
          backend: 'postgres',
          impl: isOurs ? 'AgentstoreSaver' : 'PostgresSaver',
          summary,
          ...(isOurs && rates.postgres > 0 ? { ratio: summary.opsPerSec / rates.postgres, baseline: 'PostgresSaver' } : {}),
          ...(targets ? { targets } : {}),
          note: `one superstep = putWrites + put; pool ${POOL_SIZE} per process; all processes on one domain; ${cost.text}${errors > 0 ? `; ${errors} failed (${firstError})` : ''}`,
          extra: { processes, threads: THREADS, errors, ...cost.extra },
        });
      } finally {
        await dropSchemas(PG_URL, [schema]).catch(() => {});
      }
    }
  }
}

/**
 * CPU per superstep on each side and what the backends waited for: the figures that say what bounds
 * a run on a machine shared with the server (node µs + postgres µs per superstep, × rate ≈ cores busy).
 */
function costOf(reports: FleetReport[], probe: ProbeResult | undefined): { text: string; extra: Record<string, number | string> } {
  const supersteps = Math.max(
    1,
    reports.reduce((n, r) => n + r.supersteps, 0),
  );
  const nodeUs = Math.round(reports.reduce((n, r) => n + r.cpuUs, 0) / supersteps);
  const groups = reports.reduce((n, r) => n + (r.groups ?? 0), 0);
  const transactions = reports.reduce((n, r) => n + (r.transactions ?? 0), 0);
  const inline = reports.reduce((n, r) => n + (r.inlineCommits ?? 0), 0);
  const switches = Math.round((reports.reduce((n, r) => n + r.switches, 0) / supersteps) * 10) / 10;
  const extra: Record<string, number | string> = { nodeCpuUsPerSuperstep: nodeUs, nodeSwitchesPerSuperstep: switches };
  const parts = [`CPU per superstep: node ${nodeUs} µs (${switches} context switches)`];
  if (probe?.backendCpuUs !== undefined) {
    const pgUs = Math.round(probe.backendCpuUs / supersteps);
    extra.postgresCpuUsPerSuperstep = pgUs;
    parts[0] += `, postgres backends ${pgUs} µs`;
  }
  if (probe?.serverOtherCpuUs !== undefined) extra.serverOtherCpuUs = probe.serverOtherCpuUs;
  if (groups > 0) {
    extra.groupSize = Math.round((transactions / groups) * 10) / 10;
    extra.groupsPerSuperstep = Math.round((groups / supersteps) * 1000) / 1000;
    extra.inlineShare = Math.round((inline / groups) * 100) / 100;
    parts.push(
      `${extra.groupsPerSuperstep} commit groups per superstep (${extra.groupSize} transactions each, ${Math.round((inline / groups) * 100)}% in one round trip)`,
    );
  }
  if (probe) {
    if (probe.machineBusy !== undefined) {
      extra.machineBusy = Math.round(probe.machineBusy * 100) / 100;
      parts.push(`machine ${Math.round(probe.machineBusy * 100)}% busy of ${probe.cores} cores`);
    }
    extra.backends = probe.connected;
    extra.backendsSeen = probe.seen;
    extra.backendsActive = probe.active;
    extra.lockWaits = probe.lockWaits;
    const top = Object.entries(probe.waits)
      .slice(0, 3)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    extra.waits = top;
    parts.push(
      `backends ${probe.connected} connected (${probe.seen} seen), ${probe.active} active (${top || 'none'}), ${probe.lockWaits} waiting on a lock`,
    );
  }
  return { text: parts.join('; '), extra };
}

/** Creates PostgresSaver's tables once, before its workers start (its setup is not safe to race). */
async function setUpPostgresSaver(schema: string): Promise<void> {
  const { PostgresSaver } = await import('@langchain/langgraph-checkpoint-postgres');
  const saver = PostgresSaver.fromConnString(PG_URL, { schema });
  try {
    await saver.setup();
  } finally {
    await saver.end();
  }
}

/** Starts `processes` workers, waits until all are ready, starts them together and collects their reports. */
async function runFleet(
  ctx: Context,
  saver: FleetJob['saver'],
  schema: string,
  processes: number,
  window: { warmupMs: number; warmupSupersteps: number; measureMs: number },
): Promise<{ reports: FleetReport[]; probe: ProbeResult | undefined }> {
  const children: ChildProcess[] = [];
  const deadline = WARM_TIMEOUT_MS + window.measureMs + READY_TIMEOUT_MS;
  const timer = setTimeout(() => {
    for (const child of children) child.kill('SIGKILL');
  }, deadline);
  try {
    const dataDir = ctx.tempDir(`fleet-${saver}-${processes}`);
    const ready: Array<Promise<void>> = [];
    const warmed: Array<Promise<void>> = [];
    const reports: Array<Promise<FleetReport>> = [];
    for (let worker = 0; worker < processes; worker++) {
      const child = fork(WORKER, [], {
        execArgv: [...CHILD_EXEC_ARGV],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      children.push(child);
      const exited = new Promise<never>((_, reject) =>
        child.once('exit', (code, signal) => reject(new Error(`fleet worker ${worker} exited (${signal ?? code}) before reporting`))),
      );
      exited.catch(() => {});
      let onReady: () => void = () => {};
      let onWarmed: () => void = () => {};
      let onReport: (r: FleetReport) => void = () => {};
      ready.push(Promise.race([new Promise<void>((resolve) => (onReady = resolve)), exited]));
      warmed.push(Promise.race([new Promise<void>((resolve) => (onWarmed = resolve)), exited]));
      reports.push(Promise.race([new Promise<FleetReport>((resolve) => (onReport = resolve)), exited]));
      child.on('message', (m: { ready?: boolean; warmed?: boolean } & Partial<FleetReport>) => {
        if (m.ready) onReady();
        else if (m.warmed) onWarmed();
        else onReport(m as FleetReport);
      });
      const job: FleetJob = {
        saver,
        url: PG_URL,
        schema,
        worker,
        threads: THREADS,
        poolSize: POOL_SIZE,
        dataDir: join(dataDir, String(worker)),
      };
      child.send(job);
      // The first worker creates agentstore's schema alone; the others then find it (no setup race to measure).
      if (worker === 0) await ready[0];
    }
    await Promise.all(ready);
    const startAt = Date.now() + 200;
    for (const child of children) child.send({ startAt, ...window });
    // The fallback timer is cleared once everyone warmed: left pending it kept the bench process alive
    // for up to two minutes after its last row.
    let warmTimer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(warmed), new Promise((resolve) => (warmTimer = setTimeout(resolve, WARM_TIMEOUT_MS)))]);
    clearTimeout(warmTimer);
    const measureFrom = Date.now() + 100;
    for (const child of children) child.send({ measureFrom });
    // The probe watches the measured window only (a failing probe costs the row its server figures, not the row).
    const probing = (async () => {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, measureFrom - Date.now())));
      const probe = await startProbe(PG_URL, FLEET_APP);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, measureFrom + window.measureMs - Date.now())));
      return probe.stop();
    })().catch(() => undefined);
    const [done, probe] = await Promise.all([Promise.all(reports), probing]);
    return { reports: done, probe };
  } finally {
    clearTimeout(timer);
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}
