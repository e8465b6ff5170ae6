/** Runs `sweepExpired()` on a kv domain over and over until told to stop; reports passes and removals. */
import { childParams, hasReceived, receive, runChild, send } from '../harness/child-runtime.js';
import { openStore, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly domain: string;
}

runChild(async () => {
  const { target, domain } = childParams<Params>();
  const store = await openStore(target);
  const kv = store.kv<string>(domain);
  await kv.get('open');
  send({ t: 'ready' });
  await receive('go');
  let passes = 0;
  let removed = 0;
  while (!hasReceived('stop')) {
    removed += await kv.sweepExpired();
    passes++;
    // A pass that finds nothing expired reads synchronously on embedded engines and resolves without
    // an event-loop turn: yield one, or the stop message is never read.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await store.close();
  send({ t: 'swept', passes, removed });
});
