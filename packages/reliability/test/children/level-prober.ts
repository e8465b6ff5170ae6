/** Tries once to use a domain of `target` and reports whether it opened, the error code, and how long it took. */
import { childParams, codeOf, runChild, send } from '../harness/child-runtime.js';
import { loadAdapter, openStore, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly domain: string;
}

runChild(async () => {
  const { target, domain } = childParams<Params>();
  await loadAdapter(target.source); // the clock covers opening, not importing the adapter
  const started = performance.now();
  const store = await openStore(target);
  try {
    await store.kv(domain).get('held-by');
    send({ t: 'probe', opened: true, ms: performance.now() - started });
  } catch (error) {
    send({ t: 'probe', opened: false, code: codeOf(error) ?? 'NO_CODE', ms: performance.now() - started });
  } finally {
    await store.close();
  }
});
