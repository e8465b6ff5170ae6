/**
 * Holds a single-process (LevelDB) location open until told to stop or killed: writes a value, and
 * with `alias` also opens a second store through a symlink to the same dataDir and closes it again
 * (a same-process second open must share the handle, not drop the lock).
 */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { openStore, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly domain: string;
  readonly alias?: string;
}

runChild(async () => {
  const { target, domain, alias } = childParams<Params>();
  const store = await openStore(target);
  await store.kv<string>(domain).put('held-by', `pid ${process.pid}`);
  if (alias !== undefined) {
    const second = await openStore({ ...target, dataDir: alias });
    const seen = await second.kv<string>(domain).get('held-by');
    await second.close();
    if (seen !== `pid ${process.pid}`) throw new Error(`second same-process open read ${String(seen)}`);
  }
  send({ t: 'ready' });
  await receive('stop');
  await store.close();
  send({ t: 'closed' });
});
