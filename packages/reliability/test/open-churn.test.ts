/**
 * The LMDB open race (ENGINE-NOTES): writers keep saving while other processes open and close the
 * same store over and over; afterwards every acknowledged save is there, intact, and the trace's seq
 * is gap-free. Runs on every multi-process adapter.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { multiProcessAdapters } from './harness/adapters.js';
import { killAllChildren, release, spawnChild, takeAll } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import type { Message } from './harness/protocol.js';
import { sha256 } from './harness/random.js';
import { withStore } from './harness/stores.js';
import { TempDirs } from './harness/temp-dirs.js';

const WRITERS = 2;
const OPENERS = 2;
const OPENS = 40;
const ROUNDS = 3;
const LANES = 4; // saves in flight per writer: its commit queue never idles, so opens land mid-commit
const MAX_SAVES = 50_000; // a bound so a writer stops by itself; the openers finish long before
const DOMAIN = 'graphs';
const TRACE = 'churned';

interface Ack extends Message {
  readonly id: string;
  readonly seq: number;
  readonly sha: string;
}

const dirs = new TempDirs();
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

// `fast` commits most often (no flush per commit), so it hits the race hardest; writers exit cleanly
// here, so even `fast` must keep every acknowledged save.
const cases = multiProcessAdapters.flatMap((a) =>
  (['balanced', 'fast'] as const).map((durability) => [`${a.name}/${durability}`, a, durability] as const),
);

describe.each(cases)('open/close churn while writing: %s', (label, adapter, durability) => {
  it(`${WRITERS} writers lose nothing while ${OPENERS} processes open and close the store ${OPENS} times each (× ${ROUNDS} rounds)`, {
    timeout: 240_000,
  }, async () => {
    const target = adapter.target(dirs.make('churn'), { durability });
    const started = performance.now();
    const acknowledged = new Map<string, Ack>();
    const failures: string[] = [];
    let opens = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const writers = Array.from({ length: WRITERS }, (_, writer) =>
        spawnChild(`churn-r${round}-writer-${writer}`, 'churn-writer.ts', {
          target,
          domain: DOMAIN,
          trace: TRACE,
          writer,
          maxSaves: MAX_SAVES,
          lanes: LANES,
        }),
      );
      const openers = Array.from({ length: OPENERS }, (_, i) =>
        spawnChild(`churn-r${round}-opener-${i}`, 'churn-opener.ts', { target, domain: DOMAIN, trace: TRACE, iterations: OPENS }),
      );
      await takeAll([...writers, ...openers], 'ready', 60_000);
      release(writers);
      await takeAll(writers, 'cp', 30_000); // both writers are committing before the first open
      release(openers);
      const opened = await takeAll<Message & { opens: number }>(openers, 'done', 180_000);
      opens += opened.reduce((sum, o) => sum + o.opens, 0);
      release(writers, { t: 'stop' });
      const done = await takeAll<Message & { saves: number; failures: number }>(writers, 'done', 60_000);
      for (const child of [...writers, ...openers]) expect(await child.waitExit()).toEqual({ code: 0, signal: null });
      for (const child of writers) {
        for (const m of child.all<Ack>('cp')) acknowledged.set(m.id, m);
        for (const m of child.all('failed')) failures.push(`${child.name}: ${String(m.code)} ${String(m.message)}`);
      }
      expect(done.reduce((sum, d) => sum + d.saves, 0)).toBeGreaterThan(0);
    }

    const { listed, missing, differing } = await withStore(target, async (store) => {
      const checkpoints = store.checkpoints(DOMAIN);
      const listed = await checkpoints.list(TRACE);
      const missing: string[] = [];
      const differing: string[] = [];
      for (const ack of acknowledged.values()) {
        const blob = await checkpoints.load(ack.id);
        if (blob === undefined) missing.push(`${ack.id} (seq ${ack.seq})`);
        else if (blob.seq !== ack.seq || sha256(blob.data) !== ack.sha) differing.push(`${ack.id}: seq ${blob.seq} vs ${ack.seq}`);
      }
      return { listed, missing, differing };
    });
    const seqs = listed.map((c) => c.seq);
    const duplicateSeqs = [...acknowledged.values()].length - new Set([...acknowledged.values()].map((a) => a.seq)).size;
    console.log(
      `[reliability] open churn ${label}: ${ROUNDS} rounds, ${opens} opens/closes by ${OPENERS} processes while ${WRITERS} wrote; ` +
        `acknowledged ${acknowledged.size}, listed ${listed.length}, lost ${missing.length}, differing ${differing.length}, ` +
        `seq reused ${duplicateSeqs}, failed saves ${failures.length}, ${Math.round(performance.now() - started)} ms`,
    );
    recordFigures(`open churn ${label}`, {
      rounds: ROUNDS,
      'opens/closes': opens,
      acknowledged: acknowledged.size,
      lost: missing.length,
      corrupt: differing.length,
      'seq reused': duplicateSeqs,
      'failed saves': failures.length,
    });
    expect(missing).toEqual([]);
    expect(differing).toEqual([]);
    expect(duplicateSeqs).toBe(0);
    expect(failures).toEqual([]);
    // Writers exited cleanly and no save failed: the trace holds exactly the acknowledged saves, seq 1..n.
    expect(listed).toHaveLength(acknowledged.size);
    expect(seqs).toEqual(Array.from({ length: listed.length }, (_, i) => listed.length - i));
  });
});
