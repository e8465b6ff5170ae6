/**
 * The crash harness: rounds of writer processes killed with SIGKILL at random moments, each followed
 * by a reopen that checks every acknowledged write against what the writers printed. One model of
 * acknowledged writes is kept across rounds; the data directory carries over from round to round.
 */
import type { Store } from '@agentstore/core';
import { type ChildHandle, release, spawnChild } from './child.js';
import { CRASH_DOMAINS, CRASH_TRACE, type CrashAck, counterKey, isCrashAck } from './crash-layout.js';
import type { Message } from './protocol.js';
import { Rng, sha256 } from './random.js';
import { type StoreTarget, withStore } from './stores.js';

/** What one combination is run with. */
export interface CrashPlan {
  readonly target: StoreTarget;
  readonly rounds: number;
  readonly writers: number;
  readonly seed: number;
  /** Concurrent write loops per writer. */
  readonly lanes?: number;
  /** Kill each writer this many ms after its first acknowledgement, chosen uniformly. */
  readonly killAfterMs?: readonly [number, number];
  /** Start writers up to this many ms apart, so opens overlap other writers' commits. */
  readonly staggerMs?: number;
  /**
   * Negative control (default true): every writer also runs a loop that acknowledges its puts
   * before making them, on a domain of its own; the report counts what the harness caught of it.
   */
  readonly control?: boolean;
}

/** The figures of one combination. */
export interface CrashReport {
  rounds: number;
  acknowledged: number;
  checkpoints: number;
  puts: number;
  counterUpdates: number;
  /** Acknowledged writes not found after the crash (or counters below an acknowledged value). */
  lost: number;
  /** Acknowledged writes found with other bytes, reads that failed to decode, invariants broken. */
  corrupt: number;
  /** The negative control: its acknowledged puts, how many the harness found missing, in how many rounds. */
  control: { acknowledged: number; lost: number; roundsCaught: number };
  /** Errors the writers reported before being killed (none is expected). */
  writerErrors: number;
  /**
   * Writers whose first acknowledgement took longer than `STALL_MS` after `go` (they are killed all the
   * same): how a writer asleep on a lock shows up, e.g. LMDB's lost write-lock wakeup (60 s).
   */
  stalledWriters: number;
  /** Human-readable descriptions of every loss, corruption and writer error (first 50). */
  problems: string[];
  ms: number;
  /** Where the time went: waiting for writers to load, the write-and-kill windows, the reopen checks. */
  phases: { loadMs: number; writeMs: number; verifyMs: number };
}

type CpAck = Extract<CrashAck, { t: 'cp' }>;
type KvAck = Extract<CrashAck, { t: 'kv' }>;
type CtlAck = Extract<CrashAck, { t: 'ctl' }>;

/** Everything acknowledged so far, across rounds. */
class AckModel {
  readonly checkpoints = new Map<string, CpAck>();
  readonly puts = new Map<string, KvAck>();
  readonly controls = new Map<string, CtlAck>();
  readonly ownCounters = new Map<number, number>();
  sharedCounter = 0;
  counterUpdates = 0;

  add(writer: number, ack: CrashAck): void {
    if (ack.t === 'cp') this.checkpoints.set(ack.id, ack);
    else if (ack.t === 'kv') this.puts.set(JSON.stringify(ack.key), ack);
    else if (ack.t === 'ctl') this.controls.set(JSON.stringify(ack.key), ack);
    else {
      this.counterUpdates++;
      this.ownCounters.set(writer, Math.max(this.ownCounters.get(writer) ?? 0, ack.own));
      this.sharedCounter = Math.max(this.sharedCounter, ack.shared);
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A writer's first acknowledgement later than this after `go` counts as a stall (normally: milliseconds). */
const STALL_MS = 10_000;

/** Runs the plan's rounds and returns its figures (it does not assert; the test does). */
export async function runCrashRounds(plan: CrashPlan): Promise<CrashReport> {
  const { target, rounds, writers, seed, lanes = 3, killAfterMs = [50, 400], staggerMs = 100, control = true } = plan;
  const rng = new Rng(seed);
  const model = new AckModel();
  const report: CrashReport = {
    rounds: 0,
    acknowledged: 0,
    checkpoints: 0,
    puts: 0,
    counterUpdates: 0,
    lost: 0,
    corrupt: 0,
    control: { acknowledged: 0, lost: 0, roundsCaught: 0 },
    writerErrors: 0,
    stalledWriters: 0,
    problems: [],
    ms: 0,
    phases: { loadMs: 0, writeMs: 0, verifyMs: 0 },
  };
  const problem = (kind: 'lost' | 'corrupt' | 'writer', text: string) => {
    if (kind === 'lost') report.lost++;
    else if (kind === 'corrupt') report.corrupt++;
    else report.writerErrors++;
    if (report.problems.length < 50) report.problems.push(`${kind}: ${text}`);
  };
  const started = performance.now();

  const spawnRound = (round: number): ChildHandle[] =>
    Array.from({ length: writers }, (_, writer) =>
      spawnChild(`crash-r${round}-w${writer}`, 'crash-writer.ts', {
        target,
        writer,
        round,
        lanes,
        seed: (seed + round * 7_919 + writer * 104_729) >>> 0,
        control,
      }),
    );

  // Writers open the store only on `go`, so they can be started a round early (a single-process
  // location is free again by the time they open it).
  let next = spawnRound(0);
  for (let round = 0; round < rounds; round++) {
    const current = next;
    let mark = performance.now();
    await Promise.all(current.map((child) => child.take('loaded', 60_000)));
    report.phases.loadMs += performance.now() - mark;
    mark = performance.now();
    // Spawned now, the next round's writers load (the costly part of a child: ~0.5 s of CPU each)
    // while this round writes and is verified.
    if (round + 1 < rounds) next = spawnRound(round + 1);
    const killed = current.map(async (child) => {
      await sleep(rng.int(0, staggerMs));
      release([child]);
      const goAt = performance.now();
      // The first honest acknowledgement (or the error that replaced it) starts the kill clock.
      await child.take((m) => isCrashAck(m) && m.t !== 'ctl', 60_000).catch(() => undefined);
      if (performance.now() - goAt > STALL_MS) report.stalledWriters++;
      await sleep(rng.int(killAfterMs[0], killAfterMs[1]));
      await child.kill();
    });
    await Promise.all(killed);
    report.phases.writeMs += performance.now() - mark;
    mark = performance.now();

    const fresh: Array<Message & CrashAck> = [];
    current.forEach((child, writer) => {
      for (const message of child.messages) {
        if (isCrashAck(message)) {
          model.add(writer, message);
          fresh.push(message);
        } else if (message.t === 'error') {
          problem('writer', `round ${round} writer ${writer}: ${String(message.code)} ${String(message.message)}`);
        }
      }
      if (child.exit?.signal !== 'SIGKILL') {
        problem(
          'writer',
          `round ${round} writer ${writer} exited by itself (${JSON.stringify(child.exit)}): ${child.stderr.slice(-2_000)}`,
        );
      }
    });
    const freshControl = fresh.filter((a): a is Message & CtlAck => a.t === 'ctl').length;
    report.acknowledged += fresh.length - freshControl;
    report.control.acknowledged += freshControl;
    const last = round + 1 === rounds;
    const controlLostBefore = report.control.lost;
    try {
      await withStore(target, (store) => verify(store, model, fresh, last, round, problem, report));
    } catch (error) {
      problem(
        'corrupt',
        `round ${round}: reopening or reading failed: ${(error as { code?: string }).code ?? ''} ${(error as Error).message}`,
      );
      report.rounds = round + 1;
      break;
    }
    if (report.control.lost > controlLostBefore) report.control.roundsCaught++;
    report.phases.verifyMs += performance.now() - mark;
    report.rounds = round + 1;
  }
  for (const child of next) if (child.exit === undefined) await child.kill();
  report.checkpoints = model.checkpoints.size;
  report.puts = model.puts.size;
  report.counterUpdates = model.counterUpdates;
  report.ms = performance.now() - started;
  return report;
}

/**
 * Checks the reopened store: the acknowledged writes of this round (of every round when `all`), the
 * trace's seq invariants and the counters; and the negative control's puts of this round, whose
 * absence is counted apart (it is expected).
 */
async function verify(
  store: Store,
  model: AckModel,
  fresh: ReadonlyArray<CrashAck>,
  all: boolean,
  round: number,
  problem: (kind: 'lost' | 'corrupt', text: string) => void,
  report: CrashReport,
): Promise<void> {
  const checkpoints = store.checkpoints(CRASH_DOMAINS.checkpoints);
  const kv = store.kv<Uint8Array>(CRASH_DOMAINS.kv);
  const counters = store.kv<number>(CRASH_DOMAINS.counters);
  const controlKv = store.kv<Uint8Array>(CRASH_DOMAINS.control);
  const at = `round ${round}`;

  // The shared trace: seq exactly n..1 newest first, ids strictly decreasing with it.
  const listed = await checkpoints.list(CRASH_TRACE);
  const seqOf = new Map<string, number>();
  listed.forEach((info, i) => {
    seqOf.set(info.id, info.seq);
    if (info.seq !== listed.length - i) problem('corrupt', `${at}: list position ${i} has seq ${info.seq}, expected ${listed.length - i}`);
    const newer = listed[i - 1];
    if (newer !== undefined && !(newer.id > info.id))
      problem('corrupt', `${at}: id of seq ${info.seq} (${info.id}) is not below that of seq ${newer.seq} (${newer.id})`);
  });

  const cpAcks = all ? [...model.checkpoints.values()] : fresh.filter((a): a is CpAck => a.t === 'cp');
  for (const ack of cpAcks) {
    const blob = await readOr(() => checkpoints.load(ack.id), problem, `${at}: load ${ack.id}`);
    if (blob === null) continue;
    if (blob === undefined) {
      problem('lost', `${at}: checkpoint ${ack.id} (seq ${ack.seq}, ${ack.size} B) acknowledged, not found`);
      continue;
    }
    if (blob.seq !== ack.seq || seqOf.get(ack.id) !== ack.seq) {
      problem(
        'corrupt',
        `${at}: checkpoint ${ack.id} acknowledged with seq ${ack.seq}, stored seq ${blob.seq}, listed seq ${seqOf.get(ack.id)}`,
      );
    }
    if (blob.data.length !== ack.size || sha256(blob.data) !== ack.sha) {
      problem('corrupt', `${at}: checkpoint ${ack.id} data differs (${blob.data.length} B vs ${ack.size} B acknowledged)`);
    }
  }

  const kvAcks = all ? [...model.puts.values()] : fresh.filter((a): a is KvAck => a.t === 'kv');
  for (const ack of kvAcks) {
    const value = await readOr(() => kv.get(ack.key), problem, `${at}: get ${JSON.stringify(ack.key)}`);
    if (value === null) continue;
    if (value === undefined) problem('lost', `${at}: put ${JSON.stringify(ack.key)} (${ack.size} B) acknowledged, not found`);
    else if (!(value instanceof Uint8Array) || value.length !== ack.size || sha256(value) !== ack.sha) {
      problem('corrupt', `${at}: put ${JSON.stringify(ack.key)} reads back different bytes`);
    }
  }

  // The negative control is judged by the same rule; a missing put is what it exists to produce.
  for (const ack of fresh.filter((a): a is CtlAck => a.t === 'ctl')) {
    const value = await readOr(() => controlKv.get(ack.key), problem, `${at}: control get ${JSON.stringify(ack.key)}`);
    if (value === undefined) report.control.lost++;
    else if (value !== null && (!(value instanceof Uint8Array) || sha256(value) !== ack.sha)) {
      problem('corrupt', `${at}: control put ${JSON.stringify(ack.key)} reads back different bytes`);
    }
  }

  // Counters: never below an acknowledged value; the shared one is exactly the sum of the writers'
  // own (they are only ever updated together, atomically).
  let sum = 0;
  for await (const [key, value] of counters.entries({ prefix: ['ctr'] })) {
    if (JSON.stringify(key) !== JSON.stringify(counterKey('all'))) sum += value;
  }
  for (const [writer, acknowledged] of model.ownCounters) {
    const stored = (await counters.get(counterKey(writer))) ?? 0;
    if (stored < acknowledged) problem('lost', `${at}: counter of writer ${writer} is ${stored}, acknowledged ${acknowledged}`);
  }
  const shared = (await counters.get(counterKey('all'))) ?? 0;
  if (shared < model.sharedCounter) problem('lost', `${at}: shared counter is ${shared}, acknowledged ${model.sharedCounter}`);
  if (shared !== sum) problem('corrupt', `${at}: shared counter ${shared} differs from the sum of the writers' counters ${sum}`);
}

/** Runs a read; a thrown error counts as corruption and yields null. */
async function readOr<T>(read: () => Promise<T>, problem: (kind: 'corrupt', text: string) => void, what: string): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    problem('corrupt', `${what} failed: ${(error as { code?: string }).code ?? ''} ${(error as Error).message}`);
    return null;
  }
}
