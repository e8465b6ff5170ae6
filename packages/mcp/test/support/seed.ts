import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore, type Store } from '@agentstore/core';

/** Opens the test store the way the CLI does with `--data-dir` and no config (sqlite by default). */
export function openStore(dataDir: string): Promise<Store> {
  return createStore({ dataDir, adapters: [sqliteAdapter] });
}

/** How many `['note', i]` entries and `s1` journal entries the seed writes. */
export const NOTES = 25;
export const EVENTS = 30;
/** Bytes of the string under kv key `big` (over every page bound the tests use). */
export const BIG = 200_000;

/** Fills one domain of every kind with known content. */
export async function seed(dataDir: string): Promise<void> {
  const store = await openStore(dataDir);
  try {
    const memory = store.kv('memory');
    await memory.putMany(Array.from({ length: NOTES }, (_, i) => [['note', i], { i, text: `note ${i}` }] as [[string, number], unknown]));
    await memory.put('profile', { name: 'Ada', born: new Date(Date.UTC(1815, 11, 10)) });
    await memory.put('big', 'x'.repeat(BIG));
    await memory.updateCounter('tokens', 42);

    const runs = store.checkpoints('runs');
    for (let step = 1; step <= 5; step++) await runs.save('t1', { data: Uint8Array.of(step, step), metadata: { step, source: 'loop' } });
    await runs.save('t2', { data: Uint8Array.of(9), metadata: { step: 1 } });

    const events = store.journal('events');
    await events.append(
      's1',
      Array.from({ length: EVENTS }, (_, n) => ({ n })),
    );
    await events.append('s2', [{ n: 'a' }, { n: 'b' }], { validTime: 1000 });

    const facts = store.versioned('facts');
    await facts.put('city', 'Paris', { validFrom: 100 });
    await facts.put('city', 'Berlin', { validFrom: 200 });
    await facts.correct('city', 'Rome', { validFrom: 150, validTo: 200 });
    await facts.put('city', 'Oslo', { validFrom: 300 });

    const blobs = store.artifacts('blobs', { budgetBytes: 10_000 });
    await blobs.put('a', new Uint8Array(100), { meta: { model: 'm1' } });
    await blobs.put('b', new Uint8Array(200));
    await blobs.put('c', new Uint8Array(300), { tier: 'ram' });

    await store.snapshots('catalog').put({ tools: ['search', 'fetch'] });
  } finally {
    await store.close();
  }
}
