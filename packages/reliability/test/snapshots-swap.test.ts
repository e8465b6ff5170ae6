/**
 * Issue 7: while a writer process swaps large snapshots, reader processes never see half of a swap
 * (snapshot, epoch and opts always belong to one put), see the epoch only move forward, and share one
 * frozen object per epoch; a writer killed mid-swap leaves the last whole snapshot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAllChildren, release, spawnChild, takeAll } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import type { Message } from './harness/protocol.js';
import { Rng, seedFrom } from './harness/random.js';
import { TempDirs } from './harness/temp-dirs.js';
import { multiProcessAdapters } from './kinds/adapters.js';
import { type KindsTarget, withTarget } from './kinds/open.js';
import { type Catalog, checkCatalog } from './kinds/snapshot-data.js';

const ITEMS = 20_000; // about 1 MB per snapshot
const SWAPS = 40;
const READERS = 2;
const SEED = seedFrom('AGENTSTORE_CRASH_SEED');

interface Report extends Message {
  readonly reads: number;
  readonly shared: number;
  readonly epochs: number;
  readonly lastEpoch: number;
  readonly problems: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const dirs = new TempDirs();
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

describe.each(multiProcessAdapters.map((a) => [a.name, a] as const))('snapshot swaps across processes: %s', (_name, adapter) => {
  it(`${READERS} readers never see half of ${SWAPS} swaps of ~1 MB snapshots`, { timeout: 180_000 }, async () => {
    const target: KindsTarget = { dataDir: dirs.make('snap-swap'), adapter: adapter.name };
    const writer = spawnChild('swapper', '../kinds/snapshot-swapper.ts', { target, items: ITEMS, swaps: SWAPS });
    const readers = Array.from({ length: READERS }, (_, i) =>
      spawnChild(`reader-${i}`, '../kinds/snapshot-reader.ts', { target, items: ITEMS }),
    );
    const all = [writer, ...readers];
    await takeAll(all, 'ready', 60_000);
    const started = performance.now();
    release(all);
    await writer.take('done', 150_000);
    const swapMs = performance.now() - started;
    release(readers, { t: 'stop' });
    const reports = await takeAll<Report>(readers, 'report', 60_000);
    for (const child of all) expect(await child.waitExit()).toEqual({ code: 0, signal: null });
    const acked = writer.all<Message & { gen: number; epoch: number }>('put');
    expect(acked.map((p) => p.epoch)).toEqual(Array.from({ length: SWAPS }, (_, i) => i + 1));
    for (const r of reports) {
      expect(r.problems).toEqual([]);
      expect(r.lastEpoch).toBe(SWAPS);
      expect(r.epochs).toBeGreaterThan(1);
    }
    console.log(
      `[reliability] snapshot swaps ${adapter.name}: ${SWAPS} swaps of ${ITEMS} items in ${Math.round(swapMs)} ms; readers: ` +
        reports
          .map((r) => `${r.reads} reads, ${r.epochs} epochs seen, ${r.shared} served from the shared object, ${r.problems.length} problems`)
          .join('; '),
    );
    recordFigures(`snapshot swaps ${adapter.name}`, {
      swaps: SWAPS,
      reads: reports.reduce((n, r) => n + r.reads, 0),
      problems: reports.reduce((n, r) => n + r.problems.length, 0),
    });
  });

  it('a writer killed mid-swap leaves the last whole snapshot, at an epoch no older than its last acknowledged put', {
    timeout: 120_000,
  }, async () => {
    const rng = new Rng(SEED);
    const target: KindsTarget = { dataDir: dirs.make('snap-kill'), adapter: adapter.name };
    for (let round = 0; round < 3; round++) {
      const writer = spawnChild(`swapper-kill-${round}`, '../kinds/snapshot-swapper.ts', { target, items: ITEMS, swaps: 0 });
      await writer.take('ready', 60_000);
      release([writer]);
      await writer.take('put', 60_000);
      await sleep(rng.int(20, 400));
      await writer.kill();
      const acked = writer.all<Message & { epoch: number }>('put').at(-1)?.epoch ?? 0;
      const got = await withTarget(target, (store) => store.snapshots<Catalog>('catalog').get());
      expect(got).toBeDefined();
      if (got === undefined) return;
      expect(checkCatalog(got.snapshot, got.epoch, got.opts, ITEMS)).toEqual([]);
      expect(got.epoch).toBeGreaterThanOrEqual(acked);
      expect(got.epoch).toBeLessThanOrEqual(acked + 1);
      console.log(
        `[reliability] snapshot kill ${adapter.name} round ${round}: last acknowledged epoch ${acked}, reopened at epoch ${got.epoch}, whole`,
      );
    }
    recordFigures(`snapshot kill ${adapter.name}`, { 'kill rounds': 3, 'writer processes': 3 });
  });
});
