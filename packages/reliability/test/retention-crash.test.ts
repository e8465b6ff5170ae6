/**
 * Issue 18 item 4: `store.prune()` (journal and checkpoints `maxAge`, the kv TTL sweep) killed with
 * SIGKILL mid-run. After every kill the reopened store holds everything young and live, whole: the
 * journal stream is contiguous from `firstSeq` to `lastSeq` and the next append continues after it,
 * each trace keeps its latest checkpoint and its index matches its records, no live kv record is gone;
 * a prune run to the end afterwards leaves exactly the young data. As a control, each round checks
 * that the old data was there before the kill, so a round that pruned nothing cannot pass unseen.
 */

import { levelAdapter } from '@agentstore/adapter-level';
import { lmdbAdapter } from '@agentstore/adapter-lmdb';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { killAllChildren, release, spawnChild } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import { TempDirs } from './harness/temp-dirs.js';
import { type KindsTarget, withTarget } from './kinds/open.js';

const ROUNDS = Number(process.env.AGENTSTORE_RETENTION_CRASH_ROUNDS ?? 3);
const HOUR = 3_600_000;
const OLD_ENTRIES = 1500; // three truncation transactions of 512
const YOUNG_ENTRIES = 10;
const OLD_CHECKPOINTS = 300;
const EXPIRED = 1500;
const LIVE = 300;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const dirs = new TempDirs();
afterEach(async () => {
  vi.useRealTimers();
  await killAllChildren();
  dirs.removeAll();
});

/** Old data written a day ago (this process's clock only), young data now. */
async function seed(target: KindsTarget): Promise<void> {
  await withTarget(target, async (store) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 24 * HOUR);
    const journal = store.journal<number>('events');
    for (let i = 0; i < OLD_ENTRIES; i += 100)
      await journal.append(
        's',
        Array.from({ length: 100 }, (_, j) => i + j),
      );
    const cp = store.checkpoints('cps');
    for (let i = 0; i < OLD_CHECKPOINTS; i++) await cp.save('t', { data: Uint8Array.of(i & 0xff) });
    const kv = store.kv<number>('cache');
    for (let i = 0; i < EXPIRED; i += 500)
      await kv.putMany(
        Array.from({ length: 500 }, (_, j) => [['x', i + j], i + j] as [string[], number]),
        { ttlMs: 1000 },
      );
    vi.useRealTimers();
    await journal.append(
      's',
      Array.from({ length: YOUNG_ENTRIES }, (_, j) => OLD_ENTRIES + j),
    );
    await cp.save('t', { data: Uint8Array.of(255) });
    await kv.putMany(
      Array.from({ length: LIVE }, (_, j) => [['live', j], j] as [string[], number]),
      { ttlMs: 24 * HOUR },
    );
    await kv.putMany(Array.from({ length: LIVE }, (_, j) => [['plain', j], j] as [string[], number]));
  });
}

/** What must hold whatever a killed prune did. */
async function check(target: KindsTarget, at: string): Promise<string[]> {
  const problems: string[] = [];
  await withTarget(target, async (store) => {
    const journal = store.journal<number>('events');
    const entries = await journal.read('s');
    const first = await journal.firstSeq('s');
    const last = await journal.lastSeq('s');
    if (last !== OLD_ENTRIES + YOUNG_ENTRIES) problems.push(`${at}: lastSeq ${last}`);
    if (entries.length !== last - first + 1) problems.push(`${at}: ${entries.length} entries for seqs ${first}..${last}`);
    entries.forEach((e, i) => {
      if (e.seq !== first + i || e.value !== e.seq - 1) problems.push(`${at}: position ${i} holds seq ${e.seq} value ${e.value}`);
    });
    const cp = store.checkpoints('cps');
    const list = await cp.list('t');
    const latest = await cp.loadLatest('t');
    if (latest?.seq !== OLD_CHECKPOINTS + 1 || latest.data[0] !== 255) problems.push(`${at}: latest checkpoint is ${latest?.seq}`);
    if ((await cp.count('t')) !== list.length) problems.push(`${at}: trace count ${await cp.count('t')} vs ${list.length} listed`);
    for (const info of list)
      if ((await cp.load(info.id)) === undefined) problems.push(`${at}: listed checkpoint ${info.seq} has no record`);
    const kv = store.kv<number>('cache');
    if ((await kv.count()) !== 2 * LIVE) problems.push(`${at}: ${await kv.count()} live kv records`);
    const live = await kv.getMany(Array.from({ length: LIVE }, (_, j) => ['live', j]));
    if (live.some((v, j) => v !== j)) problems.push(`${at}: a live TTL record is missing`);
    if ((await kv.count({ prefix: ['plain'] })) !== LIVE) problems.push(`${at}: a plain record is missing`);
  });
  return problems;
}

const adapters = [sqliteAdapter, lmdbAdapter, levelAdapter];

describe.each(adapters.map((a) => [a.name, a] as const))('retention under SIGKILL: %s', (name) => {
  it(`${ROUNDS} rounds: prune killed mid-run leaves young data whole`, { timeout: 120_000 + ROUNDS * 60_000 }, async () => {
    const problems: string[] = [];
    let killedMidPrune = 0;
    let partial = 0;
    for (let round = 0; round < ROUNDS && problems.length === 0; round++) {
      const target: KindsTarget = { dataDir: dirs.make('retention-crash'), adapter: name, options: { maxAge: HOUR } };
      await seed(target);
      // Control: the old data is there before the kill (so the checks below can see a prune's effect).
      const before = await withTarget(target, async (s) => ({
        entries: (await s.journal('events').read('s')).length,
        checkpoints: await s.checkpoints('cps').count('t'),
        stored: (await s.stats()).find((r) => r.domain === 'cache')?.records,
      }));
      expect(before).toEqual({ entries: OLD_ENTRIES + YOUNG_ENTRIES, checkpoints: OLD_CHECKPOINTS + 1, stored: EXPIRED + 2 * LIVE });
      const child = spawnChild(`retention-r${round}`, '../kinds/retention-pruner.ts', { target });
      await child.take('loaded', 60_000);
      release([child]);
      await child.take('start', 60_000);
      await sleep(20 + round * 60);
      await child.kill();
      const starts = child.messages.filter((m) => m.t === 'start').length;
      const dones = child.messages.filter((m) => m.t === 'done').length;
      if (starts > dones) killedMidPrune++;
      for (const m of child.messages)
        if (m.t === 'error') problems.push(`round ${round}: child error ${String(m.code)} ${String(m.message)}`);
      if (child.exit?.signal !== 'SIGKILL') problems.push(`round ${round}: the pruner was not killed: ${JSON.stringify(child.exit)}`);
      problems.push(...(await check(target, `round ${round} after the kill`)));
      const afterKill = await withTarget(target, async (s) => ({
        entries: (await s.journal('events').read('s')).length,
        checkpoints: await s.checkpoints('cps').count('t'),
        stored: (await s.stats()).find((r) => r.domain === 'cache')?.records ?? 0,
      }));
      // Some of the old data gone and some still there: the kill cut a prune between two of its transactions.
      const cut = (n: number, young: number, all: number) => n > young && n < all;
      if (
        cut(afterKill.entries, YOUNG_ENTRIES, OLD_ENTRIES + YOUNG_ENTRIES) ||
        cut(afterKill.checkpoints, 1, OLD_CHECKPOINTS + 1) ||
        cut(afterKill.stored, 2 * LIVE, EXPIRED + 2 * LIVE)
      )
        partial++;
      // Finished in this process: exactly the young data is left, and numbering goes on.
      await withTarget(target, (s) => s.prune());
      problems.push(...(await check(target, `round ${round} after a full prune`)));
      await withTarget(target, async (s) => {
        const left = await s.journal<number>('events').read('s');
        if (left.length !== YOUNG_ENTRIES) problems.push(`round ${round}: ${left.length} journal entries left`);
        if ((await s.checkpoints('cps').count('t')) !== 1) problems.push(`round ${round}: old checkpoints left`);
        const stored = (await s.stats()).find((r) => r.domain === 'cache')?.records;
        if (stored !== 2 * LIVE) problems.push(`round ${round}: ${stored} kv records stored after the sweep`);
        const next = await s.journal<number>('events').append('s', [OLD_ENTRIES + YOUNG_ENTRIES]);
        if (next.firstSeq !== OLD_ENTRIES + YOUNG_ENTRIES + 1) problems.push(`round ${round}: next append got seq ${next.firstSeq}`);
      });
    }
    console.log(
      `[reliability] retention crash ${name}: ${ROUNDS} rounds, ${killedMidPrune} killed mid-prune, ${partial} left half-pruned, ${problems.length} problems`,
    );
    recordFigures(`retention crash ${name}`, {
      'kill rounds': ROUNDS,
      'killed mid-prune': killedMidPrune,
      'left half-pruned': partial,
      problems: problems.length,
    });
    expect(problems.slice(0, 20)).toEqual([]);
    expect(killedMidPrune).toBeGreaterThan(0);
  });
});
