import { Recorder } from './stats.js';

/** One operation; `i` is a per-subject running index (keys, trace steps). Sync results are not awaited. */
export type Op = (i: number) => unknown;

/** How much of an operation to run. */
export interface Budget {
  /** Measured operations per subject (before `maxMs` cuts it short). */
  readonly ops: number;
  /** Untimed operations per subject before the first measured one. */
  readonly warmup: number;
  /**
   * Optional: the untimed operations go on, past `warmup`, until they have taken this many ms (at most
   * 20 × `warmup` of them). For operations only their index names (reads): on a loaded machine V8's
   * background compiler finishes a JavaScript-heavy path late, and a count alone measured the warm-up.
   */
  readonly warmupMs?: number;
  /** Measured time cap per subject, in ms, across all rounds. */
  readonly maxMs: number;
  /** Rounds the subjects alternate in, so machine noise falls on both alike. */
  readonly rounds: number;
}

/** A contender in a comparison: a label and the operation it runs. */
export interface Contender {
  readonly label: string;
  readonly op: Op;
}

const now = (): bigint => process.hrtime.bigint();

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** The untimed operations of `budget` for `op`; returns how many ran. */
async function warmUp(op: Op, budget: Budget): Promise<number> {
  const far = now() + 3_600_000_000_000n;
  let done = await serial(op, 0, budget.warmup, far);
  if (budget.warmupMs === undefined) return done;
  const until = now() + BigInt(Math.round(budget.warmupMs * 1e6));
  const most = 20 * budget.warmup;
  while (done < most && now() < until) done += await serial(op, done, Math.min(budget.warmup, most - done), until);
  return done;
}

/** Runs `op` for indexes `[from, from + count)`, one awaited at a time, until `deadlineNs`. */
async function serial(op: Op, from: number, count: number, deadlineNs: bigint, rec?: Recorder): Promise<number> {
  const t0 = now();
  let done = 0;
  while (done < count) {
    const s = now();
    const r = op(from + done);
    if (isThenable(r)) await r;
    const e = now();
    done++;
    rec?.add(Number(e - s));
    if (e > deadlineNs) break;
  }
  rec?.addWall(Number(now() - t0));
  return done;
}

/**
 * Measures each contender's `op` awaited one at a time. Rounds alternate the order of contenders
 * (A B, B A, …) so a burst of load on the machine does not land on one side only.
 */
export async function compareSerial(contenders: readonly Contender[], budget: Budget): Promise<Recorder[]> {
  const recs = contenders.map(() => new Recorder(budget.ops));
  const cursors = contenders.map(() => 0);
  const spentNs = contenders.map(() => 0n);
  for (let c = 0; c < contenders.length; c++) cursors[c] = await warmUp((contenders[c] as Contender).op, budget);
  const perRound = Math.ceil(budget.ops / budget.rounds);
  const capNs = BigInt(Math.round(budget.maxMs * 1e6));
  for (let r = 0; r < budget.rounds; r++) {
    const order = contenders.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const c of order) {
      const rec = recs[c] as Recorder;
      const left = Math.min(perRound, budget.ops - rec.count);
      const spent = spentNs[c] as bigint;
      if (left <= 0 || spent >= capNs) continue;
      const start = now();
      cursors[c] =
        (cursors[c] as number) + (await serial((contenders[c] as Contender).op, cursors[c] as number, left, start + capNs - spent, rec));
      spentNs[c] = spent + (now() - start);
    }
  }
  return recs;
}

/**
 * Measures two contenders op by op, in pairs whose order is random (A B, B A, …), each `op` awaited alone. For two
 * forms of one operation on one backend whose difference is a few per cent: on a loaded machine a
 * burst of load or a slow disk sync then lands on either side alike, where rounds of thousands of
 * operations give it to one side. Wall time is the sum of each side's own operations (ops/s is one
 * over the mean latency); `maxMs` caps each side's measured time.
 */
export async function compareAlternating(contenders: readonly [Contender, Contender], budget: Budget): Promise<[Recorder, Recorder]> {
  const recs: [Recorder, Recorder] = [new Recorder(budget.ops), new Recorder(budget.ops)];
  const warmed = [0, 0];
  for (let c = 0; c < 2; c++) warmed[c] = await warmUp((contenders[c] as Contender).op, budget);
  const capNs = budget.maxMs * 1e6;
  const spent = [0, 0];
  const ops = contenders.map((c) => c.op);
  // Which side goes first in each pair is random (a fixed seed, so runs compare): with a fixed
  // pattern, anything periodic in the code measured (a per-turn budget of commits, a batch size) falls
  // on the same side every time and is charged to it alone.
  let seed = 0x9e3779b9;
  for (let i = 0; i < budget.ops; i++) {
    seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
    const first = seed >>> 31;
    for (let k = 0; k < 2; k++) {
      const c = k === 0 ? first : 1 - first;
      const s = now();
      const r = (ops[c] as Op)((warmed[c] as number) + i);
      if (isThenable(r)) await r;
      const ns = Number(now() - s);
      (recs[c] as Recorder).add(ns);
      (recs[c] as Recorder).addWall(ns);
      spent[c] = (spent[c] as number) + ns;
    }
    if ((spent[0] as number) > capNs || (spent[1] as number) > capNs) break;
  }
  return recs;
}

/**
 * Runs `width` operations at once per round (latency: from issue to settle), `rounds` times or until
 * `maxMs`; ops/s is operations over the rounds' wall time.
 */
export async function measureConcurrent(op: Op, width: number, rounds: number, warmupRounds: number, maxMs: number): Promise<Recorder> {
  const rec = new Recorder(width * rounds);
  let cursor = 0;
  const round = async (record: boolean): Promise<void> => {
    const t0 = now();
    const pending: Array<Promise<unknown>> = [];
    for (let k = 0; k < width; k++) {
      const s = now();
      pending.push(
        Promise.resolve(op(cursor++)).then(() => {
          if (record) rec.add(Number(now() - s));
        }),
      );
    }
    await Promise.all(pending);
    if (record) rec.addWall(Number(now() - t0));
  };
  for (let r = 0; r < warmupRounds; r++) await round(false);
  const deadline = now() + BigInt(Math.round(maxMs * 1e6));
  for (let r = 0; r < rounds; r++) {
    await round(true);
    if (now() > deadline) break;
  }
  return rec;
}
