/** Increments one counter `count` times in `lanes` concurrent loops, then reports every value it got back. */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { openStore, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly domain: string;
  readonly key: string;
  readonly count: number;
  readonly lanes: number;
}

runChild(async () => {
  const { target, domain, key, count, lanes } = childParams<Params>();
  const store = await openStore(target);
  const kv = store.kv(domain);
  await kv.get(key); // opens the domain before the barrier, so the race starts at once
  send({ t: 'ready' });
  await receive('go');

  const values: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      values.push(await kv.updateCounter(key, 1));
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  await store.close();
  send({ t: 'values', values });
});
