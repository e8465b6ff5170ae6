/**
 * Saves `count` checkpoints on one trace in `lanes` concurrent loops, then reports what each save
 * returned. When started with the `clock-step-back.mjs` preload, each save is counted there (the
 * clock steps back after the Nth), and the report carries the clock's final offset.
 */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { sha256 } from '../harness/random.js';
import { openStore, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly domain: string;
  readonly trace: string;
  readonly writer: number;
  readonly count: number;
  readonly lanes: number;
}

runChild(async () => {
  const { target, domain, trace, writer, count, lanes } = childParams<Params>();
  const store = await openStore(target);
  const checkpoints = store.checkpoints(domain);
  await checkpoints.loadLatest(trace);
  send({ t: 'ready' });
  await receive('go');

  const clock = (globalThis as { __agentstoreClock?: { countSave(): void; readonly offset: number } }).__agentstoreClock;
  const saved: Array<{ id: string; seq: number; sha: string; at: number }> = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const data = new TextEncoder().encode(`writer ${writer} save ${i} ${'x'.repeat(i % 97)}`);
      const info = await checkpoints.save(trace, { data, metadata: { writer, i } });
      saved.push({ id: info.id, seq: info.seq, sha: sha256(data), at: info.createdAt });
      clock?.countSave();
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  await store.close();
  send({ t: 'saved', saved, clockOffsetMs: clock?.offset ?? 0 });
});
