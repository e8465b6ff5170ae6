/**
 * The AgentstoreStore item TTL sweep under SIGKILL: a process sweeping 1,500 expired indexed items (six
 * sweep steps, each a read, the vectors' deletes and a write transaction) is killed after a random
 * number of its deletes. After every kill no stored vector lacks its item (the sweep used to delete
 * items before their vectors, and those orphans outlived every later sweep), and a reopened store shows
 * every live item (with and without a TTL) as it was put, in `get`, listing search and semantic search,
 * and no expired one; a second sweep then leaves exactly the live items, their expiry index entries and
 * their vectors. Negative control: a live item missing one vector fails the same check.
 * `AGENTSTORE_STORE_TTL_CRASH_ROUNDS` sets the rounds (default 3).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Key, Store } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import type { AgentstoreStore } from '../src/index.js';
import { crashValue } from './support/crash-values.js';
import { killWorker } from './support/kill-worker.js';
import { openStore } from './support/stores.js';
import { itemVectors, putItems, ttlItems } from './support/ttl-items.js';

const ROUNDS = Number(process.env.AGENTSTORE_STORE_TTL_CRASH_ROUNDS ?? 3);
const HOUR = 3_600_000;
const EXPIRED = 1500;
const LIVE_TTL = 60;
const LIVE_FOREVER = 30;

const expiredKey = (round: number) => (i: number) => `e${round}-${i}`;
const liveKey = (round: number) => (i: number) => `l${round}-${i}`;

/** Vectors a live item has: one per indexed text (crashValue's `t` and `extra`), none with `index: false`. */
function vectorsOf(i: number): number {
  const { value, index } = crashValue(i);
  return index === false ? 0 : 1 + (value.extra?.length ?? 0);
}

describe.each(['sqlite', 'lmdb', 'level'] as const)('AgentstoreStore item TTL sweep under SIGKILL on %s', (adapter) => {
  it(`${ROUNDS} rounds: live items intact, expired ones invisible, index and vectors exact after a second sweep`, {
    timeout: 60_000 + ROUNDS * 40_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), `agentstore-store-ttl-crash-${adapter}-`));
    /** Live items by key: the i their value was made from, and whether they have a TTL. */
    const live = new Map<string, { i: number; ttl: boolean }>();
    const problems: string[] = [];
    let midSweep = 0;
    let orphans = 0;
    let controls = 0;
    try {
      for (let round = 0; round < ROUNDS && problems.length === 0; round++) {
        const first = round * 10_000;
        {
          const { store, destroy } = await openStore(adapter, dir);
          try {
            await putItems(
              ttlItems(store, () => Date.now() - 2 * HOUR),
              expiredKey(round),
              first,
              EXPIRED,
            );
            const items = ttlItems(store);
            await putItems(items, liveKey(round), first, LIVE_TTL);
            await putItems(items, liveKey(round), first + LIVE_TTL, LIVE_FOREVER, null);
            for (let i = first; i < first + LIVE_TTL + LIVE_FOREVER; i++) live.set(liveKey(round)(i), { i, ttl: i < first + LIVE_TTL });
          } finally {
            await destroy();
          }
        }
        // Killed after a random number of the sweep's deletes (item commits and vector deletes alike): a
        // full sweep makes about 2,000 (six commits and a delete per vector), so the kill lands before its end.
        const target = 1 + Math.floor(Math.random() * EXPIRED);
        let ops = 0;
        const run = await killWorker(
          'store-sweeper.ts',
          [dir, adapter],
          (line) => (line.startsWith('op ') && ++ops >= target) || line.startsWith('swept'),
        );
        if (run.signal !== 'SIGKILL') problems.push(`round ${round}: the sweeper was not killed (${run.signal}): ${run.stderr}`);
        if (run.lines.some((line) => line.startsWith('swept')))
          problems.push(`round ${round}: the sweep finished before the kill (${target} deletes)`);

        const { store, destroy } = await openStore(adapter, dir);
        try {
          const items = ttlItems(store);
          const at = (what: string) => `round ${round} ${what}`;
          // Before any search (a search deletes old orphans it meets): every vector stored belongs to a
          // stored item, live or expired and not swept yet, so the next sweep can find it.
          const left = await expiredLeft(store, round);
          const expiredVectors = (await itemVectors(store).count()) - liveVectors(live);
          // Cut short: some expired items or their vectors gone, some not (a step deletes vectors first).
          if (left > 0 && (left < EXPIRED || expiredVectors < allVectors(first, EXPIRED))) midSweep++;
          const stray = expiredVectors - (await vectorsLeft(store, round, left));
          if (stray > 0) {
            orphans += stray;
            problems.push(`${at('after the kill')}: ${stray} vectors belong to no stored item`);
          }
          problems.push(...(await checkVisible(items, live, round, at('after the kill'))));

          // A second sweep leaves exactly the live items, their expiry entries and their vectors.
          const removed = await items.sweepExpiredItems();
          if (removed !== left) problems.push(`${at('second sweep')}: removed ${removed} items, ${left} expired were left`);
          problems.push(...(await checkVisible(items, live, round, at('after the second sweep'))));
          problems.push(...(await checkExact(store, live, at('after the second sweep'))));

          // Negative control: a live item missing one of its vectors fails the exact check.
          const [victimKey] = [...live].find(([, v]) => vectorsOf(v.i) > 0) as [string, { i: number }];
          const vectors = itemVectors(store);
          const [match] = await vectors.search(new Array(24).fill(1), { k: 1, prefix: ['c', 0, victimKey] });
          const saved = match && (await vectors.get(match.key));
          if (match === undefined || saved === undefined) problems.push(`${at('control')}: no vector found for ${victimKey}`);
          else {
            await vectors.delete(match.key);
            if ((await checkExact(store, live, 'control')).length > 0) controls++;
            else problems.push(`${at('control')}: the check did not see a lost vector`);
            await vectors.upsert(match.key, Array.from(saved.vector), saved.metadata);
          }
        } finally {
          await destroy();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    console.log(
      `[store ttl crash ${adapter}] ${ROUNDS} rounds, ${live.size} live items, killed mid-sweep ${midSweep}, vectors without an item after kills ${orphans}, controls ${controls}, problems ${problems.length}`,
    );
    expect(problems.slice(0, 20)).toEqual([]);
    expect(controls).toBe(ROUNDS);
    expect(midSweep).toBeGreaterThan(0);
  });
});

/** Every live item visible as put, through get and both searches; no expired item of `round` anywhere. */
async function checkVisible(
  items: AgentstoreStore,
  live: ReadonlyMap<string, { i: number }>,
  round: number,
  at: string,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [key, { i }] of live) {
    const got = await items.get(['c'], key);
    if (JSON.stringify(got?.value) !== JSON.stringify(crashValue(i).value))
      problems.push(`${at}: live item ${key} is ${JSON.stringify(got?.value)}`);
  }
  const want = [...live.keys()].sort().join(',');
  const listed = (await items.search(['c'], { limit: 100_000 })).map((r) => r.key);
  if (listed.sort().join(',') !== want) problems.push(`${at}: search lists ${listed.length} items, ${live.size} live`);
  const found = (await items.search(['c'], { query: 'lunar orbit note', limit: 100_000 })).map((r) => r.key);
  if (found.sort().join(',') !== want) problems.push(`${at}: semantic search finds ${found.length} items, ${live.size} live`);
  for (const i of [0, 1, 7, EXPIRED - 1]) {
    if ((await items.get(['c'], expiredKey(round)(round * 10_000 + i))) !== null) problems.push(`${at}: expired item ${i} visible`);
  }
  return problems;
}

/** Items of `round`'s expired set still stored (invisible or not). */
async function expiredLeft(store: Store, round: number): Promise<number> {
  let n = 0;
  for await (const key of store.kv('langgraph_store').keys({ prefix: ['c', 0] })) {
    const parts = key as Array<string | number>;
    if (parts.length === 3 && String(parts[2]).startsWith(`e${round}-`)) n++;
  }
  return n;
}

/** Vectors of the items made from crashValue(first) .. crashValue(first + count - 1). */
function allVectors(first: number, count: number): number {
  let n = 0;
  for (let i = first; i < first + count; i++) n += vectorsOf(i);
  return n;
}

function liveVectors(live: ReadonlyMap<string, { i: number }>): number {
  let n = 0;
  for (const { i } of live.values()) n += vectorsOf(i);
  return n;
}

/** Vectors the expired items still stored may have (at most): their own, unless the sweep took them first. */
async function vectorsLeft(store: Store, round: number, left: number): Promise<number> {
  if (left === 0) return 0;
  let n = 0;
  for await (const [key, record] of store.kv<{ vectors?: string[] }>('langgraph_store').entries({ prefix: ['c', 0] })) {
    const parts = key as Array<string | number>;
    if (parts.length === 3 && String(parts[2]).startsWith(`e${round}-`)) n += record.vectors?.length ?? 0;
  }
  return n;
}

/** After a full sweep: the kv domain holds the live items and the TTL ones' expiry entries only, the vectors domain their vectors only. */
async function checkExact(store: Store, live: ReadonlyMap<string, { i: number; ttl: boolean }>, at: string): Promise<string[]> {
  const problems: string[] = [];
  const kv = store.kv('langgraph_store');
  const withTtl = [...live.values()].filter((v) => v.ttl).length;
  const records = await kv.count();
  if (records !== live.size + withTtl) problems.push(`${at}: ${records} kv records for ${live.size} live items (${withTtl} with a TTL)`);
  const stored = await itemVectors(store).count();
  const want = liveVectors(live);
  if (stored !== want) problems.push(`${at}: ${stored} vectors stored, the live items have ${want}`);
  const strays: Key[] = [];
  for await (const key of kv.keys({ prefix: ['c', 0] })) if (!live.has(String((key as unknown[])[2]))) strays.push(key);
  if (strays.length > 0) problems.push(`${at}: ${strays.length} items stored that are not live, first ${JSON.stringify(strays[0])}`);
  return problems;
}
