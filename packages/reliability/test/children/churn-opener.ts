/** Opens and closes the store `iterations` times (createStore, one read, close), as fast as it can. */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { openStore, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly domain: string;
  readonly trace: string;
  readonly iterations: number;
}

runChild(async () => {
  const { target, domain, trace, iterations } = childParams<Params>();
  send({ t: 'ready' });
  await receive('go');
  let lastSeq = 0;
  for (let i = 0; i < iterations; i++) {
    const store = await openStore(target);
    const latest = await store.checkpoints(domain).loadLatest(trace);
    await store.close();
    // Each open sees a later state than the one before: a reader must never go back in time.
    const seq = latest?.seq ?? 0;
    if (seq < lastSeq) throw new Error(`open ${i} saw seq ${seq} after seq ${lastSeq}`);
    lastSeq = seq;
  }
  send({ t: 'done', opens: iterations, lastSeq });
});
