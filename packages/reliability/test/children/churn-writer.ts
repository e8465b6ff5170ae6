/**
 * Saves checkpoints on one trace in `lanes` concurrent loops (so the commit queue never idles) until
 * told to stop; prints each id with its seq and checksum after the save resolved. A failed save is
 * reported, not retried.
 */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { sha256 } from '../harness/random.js';
import { openStore, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly domain: string;
  readonly trace: string;
  readonly writer: number;
  /** Upper bound on saves, so the child stops by itself. */
  readonly maxSaves: number;
  readonly lanes: number;
}

runChild(async () => {
  const { target, domain, trace, writer, maxSaves, lanes } = childParams<Params>();
  const store = await openStore(target);
  const checkpoints = store.checkpoints(domain);
  await checkpoints.loadLatest(trace);
  send({ t: 'ready' });
  await receive('go');
  const stopping = receive('stop');
  let stop = false;
  void stopping.then(() => {
    stop = true;
  });
  let saves = 0;
  let failures = 0;
  let next = 0;
  const lane = async () => {
    while (next < maxSaves && !stop) {
      const i = next++;
      const data = new TextEncoder().encode(`churn writer ${writer} save ${i}`);
      try {
        const info = await checkpoints.save(trace, { data, metadata: { writer, i } });
        saves++;
        send({ t: 'cp', id: info.id, seq: info.seq, sha: sha256(data) });
      } catch (error) {
        failures++;
        const err = error as { code?: string; message?: string };
        send({ t: 'failed', code: err.code ?? 'NO_CODE', message: String(err.message) });
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  await store.close();
  send({ t: 'done', saves, failures });
});
