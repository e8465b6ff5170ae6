/**
 * Issue 7: journal writers in several processes killed with SIGKILL mid-run. After every round the
 * reopened stream is gap-free (seqs exactly 1..lastSeq), every acknowledged append is there with its
 * values at the seqs it returned, and every append (acknowledged or not) is whole and contiguous.
 * `AGENTSTORE_JOURNAL_CRASH_ROUNDS` sets the rounds (default 4); `AGENTSTORE_CRASH_SEED` replays a run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildHandle, killAllChildren, release, spawnChild } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import type { Message } from './harness/protocol.js';
import { Rng, seedFrom } from './harness/random.js';
import { TempDirs } from './harness/temp-dirs.js';
import { multiProcessAdapters } from './kinds/adapters.js';
import { crashValue } from './kinds/journal-values.js';
import { type KindsTarget, withTarget } from './kinds/open.js';

const ROUNDS = Number(process.env.AGENTSTORE_JOURNAL_CRASH_ROUNDS ?? 4);
const SEED = seedFrom('AGENTSTORE_CRASH_SEED');
const WRITERS = 4;
const LANES = 3;
const STREAM = 'shared';

interface Ack extends Message {
  readonly t: 'ack';
  readonly k: number;
  readonly n: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const VALUE = /^w(\d+) r(\d+) a(\d+) v(\d+) x*$/;

const dirs = new TempDirs();
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

const cases = multiProcessAdapters.flatMap((a) =>
  (['balanced', 'strict'] as const).map((durability) => [`${a.name}/${durability}`, a, durability] as const),
);

describe.each(cases)('journal under SIGKILL: %s', (label, adapter, durability) => {
  it(`${ROUNDS} rounds × ${WRITERS} writers killed mid-run: acknowledged prefix intact, no gap`, {
    timeout: 60_000 + ROUNDS * 30_000,
  }, async () => {
    const target: KindsTarget = { dataDir: dirs.make('journal-crash'), adapter: adapter.name, options: { durability } };
    const seed = (SEED + cases.findIndex((c) => c[0] === label) * 1_000_003) >>> 0;
    const rng = new Rng(seed);
    const acks: Array<Ack & { w: number; r: number }> = [];
    const problems: string[] = [];
    let lastSeq = 0;
    let entriesRead = 0;
    const started = performance.now();

    for (let round = 0; round < ROUNDS; round++) {
      const writers: ChildHandle[] = Array.from({ length: WRITERS }, (_, w) =>
        spawnChild(`jcrash-r${round}-w${w}`, '../kinds/journal-crasher.ts', {
          target,
          stream: STREAM,
          writer: w,
          round,
          lanes: LANES,
          seed: (seed + round * 7_919 + w * 104_729) >>> 0,
        }),
      );
      await Promise.all(writers.map((child) => child.take('loaded', 60_000)));
      await Promise.all(
        writers.map(async (child) => {
          await sleep(rng.int(0, 100));
          release([child]);
          await child.take('ack', 60_000);
          await sleep(rng.int(50, 600));
          await child.kill();
        }),
      );
      writers.forEach((child, w) => {
        for (const m of child.messages) {
          if (m.t === 'ack') acks.push({ ...(m as Ack), w, r: round });
          else if (m.t === 'error') problems.push(`round ${round} writer ${w} error: ${String(m.code)} ${String(m.message)}`);
        }
        if (child.exit?.signal !== 'SIGKILL') problems.push(`round ${round} writer ${w} was not killed: ${JSON.stringify(child.exit)}`);
      });

      const entries = await withTarget(target, (store) => store.journal<string>('events').read(STREAM));
      entriesRead = entries.length;
      const at = `round ${round}`;
      // Gap-free from 1, nothing truncated, commit times never step back.
      entries.forEach((e, i) => {
        if (e.seq !== i + 1) problems.push(`${at}: position ${i} holds seq ${e.seq}`);
        if (i > 0 && e.txTime < (entries[i - 1]?.txTime ?? 0)) problems.push(`${at}: txTime steps back at seq ${e.seq}`);
      });
      const top = entries.at(-1)?.seq ?? 0;
      if (top < lastSeq) problems.push(`${at}: lastSeq went from ${lastSeq} down to ${top}`);
      lastSeq = top;
      // Every acknowledged append, from every round so far, holds its values at the seqs it returned.
      for (const ack of acks) {
        if (ack.lastSeq - ack.firstSeq + 1 !== ack.n)
          problems.push(`${at}: append w${ack.w} r${ack.r} a${ack.k} got ${ack.firstSeq}..${ack.lastSeq} for ${ack.n} values`);
        for (let j = 0; j < ack.n; j++) {
          const e = entries[ack.firstSeq + j - 1];
          if (e === undefined) problems.push(`${at}: acknowledged seq ${ack.firstSeq + j} (w${ack.w} r${ack.r} a${ack.k}) is missing`);
          else if (e.value !== crashValue(ack.w, ack.r, ack.k, j) || e.validTime !== ack.k)
            problems.push(`${at}: seq ${e.seq} holds ${e.value}`);
        }
      }
      // Every append, acknowledged or not, is whole: its values sit consecutively, v0..v(n-1).
      let open: { key: string; next: number } | undefined;
      for (const e of entries) {
        const m = VALUE.exec(e.value);
        if (m === null) {
          problems.push(`${at}: seq ${e.seq} holds a malformed value`);
          continue;
        }
        const key = `${m[1]}/${m[2]}/${m[3]}`;
        const j = Number(m[4]);
        if (j === 0) {
          open = { key, next: 1 };
        } else if (open?.key !== key || open.next !== j) {
          problems.push(`${at}: seq ${e.seq} (${key} v${j}) breaks an append apart`);
        } else {
          open.next++;
        }
      }
      if (problems.length > 0) break;
    }

    const acknowledgedValues = acks.reduce((sum, a) => sum + a.n, 0);
    console.log(
      `[reliability] journal crash ${label}: ${ROUNDS} rounds × ${WRITERS} writers, ${acks.length} appends acknowledged ` +
        `(${acknowledgedValues} values), stream holds seq 1..${lastSeq} (${entriesRead} entries), ${problems.length} problems, ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s, seed ${SEED}`,
    );
    recordFigures(`journal crash ${label}`, {
      'kill rounds': ROUNDS,
      'writer processes': ROUNDS * WRITERS,
      acknowledged: acks.length,
      'values acknowledged': acknowledgedValues,
      'records read': entriesRead,
      problems: problems.length,
    });
    expect(problems.slice(0, 20)).toEqual([]);
    expect(acks.length).toBeGreaterThan(ROUNDS * WRITERS);
    // The next append continues right after everything that survived.
    const next = await withTarget(target, (store) => store.journal<string>('events').append(STREAM, ['after']));
    expect(next).toEqual({ firstSeq: lastSeq + 1, lastSeq: lastSeq + 1 });
  });
});
