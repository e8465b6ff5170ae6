/**
 * Writes to one domain on its old route while another process migrates it (issue 14): opens the
 * domain and writes once before reporting `ready` (so the store has the route, the backend and the
 * kind cached from before the migration), then, on `go`, either overwrites a fixed set of keys
 * (`mode: 'overwrite'`) or increments counters (`mode: 'counter'`) until it gets `MOVED` or `stop`.
 * It counts a write only once its call resolved, and reports at the end: per key the last value
 * acknowledged (overwrite) or the increments acknowledged (counter), and the codes of the failures.
 */

import { createStore } from '@agentstore/core';
import { childParams, codeOf, receive, runChild, send } from '../harness/child-runtime.js';
import { type AdapterSource, loadAdapter } from '../harness/stores.js';

interface Params {
  readonly dataDir: string;
  readonly source: AdapterSource;
  /** The domain's route options on the old adapter. */
  readonly options: Record<string, unknown>;
  readonly domain: string;
  readonly mode: 'overwrite' | 'counter';
  readonly writer: number;
  readonly keys: number;
  readonly lanes: number;
  /** Writes tried after the first refusal, each of which must be refused too. */
  readonly afterRefusal: number;
}

runChild(
  async () => {
    const p = childParams<Params>();
    const adapter = await loadAdapter(p.source);
    const store = await createStore({
      dataDir: p.dataDir,
      adapters: [adapter],
      domains: { [p.domain]: { adapter: adapter.name, options: p.options } },
    });
    const kv = store.kv<string | number>(p.domain);
    const keyOf = (i: number) => (p.mode === 'overwrite' ? ['w', p.writer, i % p.keys] : ['c', p.writer, i % p.keys]);
    // Opened and written before the migration starts: whatever the store caches, it caches now.
    if (p.mode === 'overwrite') await kv.put(['w', p.writer, 'opened'], 'yes');
    else await kv.updateCounter(['c', p.writer, 'opened'], 1);
    send({ t: 'ready' });
    await receive('go');
    let stop = false;
    void receive('stop').then(() => {
      stop = true;
    });

    const acked: Record<string, string | number> = {};
    const codes: Record<string, number> = {};
    let writes = 0;
    let refusedAt: number | undefined;
    let acceptedAfterRefusal = 0;
    let next = 0;
    const lane = async () => {
      while (!stop) {
        if (refusedAt !== undefined && next - refusedAt >= p.afterRefusal) return;
        const i = next++;
        const key = keyOf(i);
        const id = JSON.stringify(key);
        try {
          if (p.mode === 'overwrite') {
            const value = `${p.writer}:${i}`;
            await kv.put(key, value);
            // Lanes may finish out of order: the acknowledged value of a key is the latest write's.
            if (acked[id] === undefined || seqOf(acked[id]) < i) acked[id] = value;
          } else {
            await kv.updateCounter(key, 1);
            acked[id] = ((acked[id] as number | undefined) ?? 0) + 1;
          }
          writes++;
          if (refusedAt !== undefined) acceptedAfterRefusal++;
        } catch (error) {
          const code = codeOf(error) ?? String((error as Error).message);
          codes[code] = (codes[code] ?? 0) + 1;
          refusedAt ??= i;
        }
        // Paced, so that on a small machine the migrating parent is not starved of CPU by its writers.
        if (i % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    await Promise.all(Array.from({ length: p.lanes }, lane));
    send({ t: 'report', acked, codes, writes, refused: refusedAt !== undefined, acceptedAfterRefusal });
    await receive('exit');
    await store.close().catch(() => undefined);
  },
  { maxMs: 60_000 },
);

function seqOf(value: string | number): number {
  return Number(String(value).split(':')[1]);
}
