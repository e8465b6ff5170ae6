/**
 * Issue 2: 4 processes × 500 saves on one trace give seq exactly 1..2,000, ids increasing with seq,
 * and `list` (newest first) in descending seq order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { multiProcessAdapters } from './harness/adapters.js';
import { killAllChildren, release, spawnChild, takeAll } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import type { Message } from './harness/protocol.js';
import { sha256 } from './harness/random.js';
import { redisUnderTest } from './harness/redis.js';
import { withStore } from './harness/stores.js';
import { TempDirs } from './harness/temp-dirs.js';

const PROCESSES = 4;
const SAVES = 500;
const LANES = 2;
const TRACE = 'shared-trace';

interface Saved {
  readonly id: string;
  readonly seq: number;
  readonly sha: string;
}

const dirs = new TempDirs();
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

const adapters = [...multiProcessAdapters, ...(await redisUnderTest())];
describe.each(adapters.map((a) => [a.name, a] as const))('checkpoint seq across processes: %s', (_name, adapter) => {
  it(`${PROCESSES} × ${SAVES} saves on one trace: seq 1..${PROCESSES * SAVES}, ids in seq order`, { timeout: 240_000 }, async () => {
    const target = adapter.target(dirs.make('seq'));
    const started = performance.now();
    const children = Array.from({ length: PROCESSES }, (_, writer) =>
      spawnChild(`saver-${writer}`, 'checkpoint-writer.ts', { target, domain: 'graphs', trace: TRACE, writer, count: SAVES, lanes: LANES }),
    );
    await takeAll(children, 'ready', 60_000);
    release(children);
    const reports = await takeAll<Message & { saved: Saved[] }>(children, 'saved', 180_000);
    for (const child of children) expect(await child.waitExit()).toEqual({ code: 0, signal: null });
    const acknowledged = reports.flatMap((r) => r.saved);
    expect(acknowledged).toHaveLength(PROCESSES * SAVES);

    const { listed, loaded } = await withStore(target, async (store) => {
      const checkpoints = store.checkpoints('graphs');
      const listed = await checkpoints.list(TRACE);
      const loaded = new Map<string, { seq: number; sha: string } | undefined>();
      for (const { id } of acknowledged) {
        const blob = await checkpoints.load(id);
        loaded.set(id, blob && { seq: blob.seq, sha: sha256(blob.data) });
      }
      return { listed, loaded };
    });

    const total = PROCESSES * SAVES;
    expect(listed).toHaveLength(total);
    // Newest first, and newest means highest seq: the list is exactly total, total - 1, …, 1.
    expect(listed.map((c) => c.seq)).toEqual(Array.from({ length: total }, (_, i) => total - i));
    // In seq order (oldest first) the ids strictly increase.
    const ascending = [...listed].reverse();
    const outOfOrder = ascending.filter((c, i) => i > 0 && !(c.id > (ascending[i - 1]?.id ?? '')));
    expect(outOfOrder.map((c) => c.seq)).toEqual([]);
    // What each save returned is what the store holds: same seq, same bytes.
    const bySeq = new Map(listed.map((c) => [c.seq, c.id]));
    const mismatched = acknowledged.filter(
      (a) => bySeq.get(a.seq) !== a.id || loaded.get(a.id)?.sha !== a.sha || loaded.get(a.id)?.seq !== a.seq,
    );
    expect(mismatched).toEqual([]);
    console.log(
      `[reliability] checkpoint seq ${adapter.name}: ${PROCESSES} processes × ${SAVES} saves → ${listed.length} listed, ` +
        `seq 1..${listed[0]?.seq}, ${outOfOrder.length} ids out of order, ${mismatched.length} mismatched, ${Math.round(performance.now() - started)} ms`,
    );
    recordFigures(`checkpoint seq ${adapter.name}`, {
      saves: PROCESSES * SAVES,
      listed: listed.length,
      'out of order': outOfOrder.length,
      mismatched: mismatched.length,
    });
  });
});
