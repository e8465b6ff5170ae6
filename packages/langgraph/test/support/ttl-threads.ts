import type { Store } from '@agentstore/core';
import type { AgentstoreSaver } from '../../src/index.js';
import { collect, keysOf, putHistory } from './history.js';

/** A channel value too large to be copied into checkpoint records: stored as an entry of its own. */
const big = (thread: string, n: number) => `${thread}:${n} `.repeat(400);

/**
 * Puts a thread with two namespaces, large channel values and pending writes (`writes` of them, a few
 * large) on its newest checkpoint. Returns how many keys it occupies in the checkpoints domain.
 */
export async function seedThread(saver: AgentstoreSaver, store: Store, thread: string, writes: number): Promise<number> {
  const ids = await putHistory(saver, thread, [{ a: 1, big: big(thread, 1) }, { a: 2 }, { a: 3, big: big(thread, 3) }]);
  await putHistory(saver, thread, [{ b: 1 }, { b: 2, big: big(thread, 2) }], 'sub');
  const config = { configurable: { thread_id: thread, checkpoint_ns: '', checkpoint_id: ids.at(-1) } };
  for (let i = 0; i < writes; i += 100) {
    const batch = Array.from({ length: Math.min(100, writes - i) }, (_, j): [string, unknown] => [
      'out',
      (i + j) % 10 === 0 ? big(thread, i + j) : i + j,
    ]);
    await saver.putWrites(config, batch, `task-${i}`);
  }
  return (await keysOf(store, 'checkpoints', [thread])).length;
}

/** Everything the saver shows of a thread: each namespace's newest tuple and the whole list, as JSON. */
export async function threadView(saver: AgentstoreSaver, thread: string): Promise<string> {
  const latest = await Promise.all(['', 'sub'].map((ns) => saver.getTuple({ configurable: { thread_id: thread, checkpoint_ns: ns } })));
  const all = await collect(saver.list({ configurable: { thread_id: thread } }));
  return JSON.stringify({ latest, all });
}
