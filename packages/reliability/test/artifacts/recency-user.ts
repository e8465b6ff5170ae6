/**
 * An artifacts reader for the batched-recency test: after `go`, reads the keys it is given (each a hit,
 * which records a use in memory only), reports `got`, then on `sync` calls `store.sync()` (which writes
 * the recorded uses) and reports `synced`, and on `close` closes the store (which writes them too) and
 * reports `closed`; otherwise it waits to be killed.
 */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { openStore, type StoreTarget } from '../harness/stores.js';
import { DOMAIN, isWhole } from './blob-data.js';

interface Params {
  readonly target: StoreTarget;
  readonly keys: readonly string[];
}

runChild(
  async () => {
    const { target, keys } = childParams<Params>();
    const store = await openStore(target);
    const a = store.artifacts(DOMAIN);
    send({ t: 'loaded' });
    await receive('go');
    for (const key of keys) {
      const bytes = await a.get(key);
      if (bytes === undefined || !isWhole(key, bytes)) throw new Error(`${key}: missing or damaged`);
    }
    send({ t: 'got' });
    for (;;) {
      const m = await receive((x) => x.t === 'sync' || x.t === 'close');
      if (m.t === 'close') break;
      await store.sync();
      send({ t: 'synced' });
    }
    await store.close();
    send({ t: 'closed' });
  },
  { maxMs: 120_000 },
);
