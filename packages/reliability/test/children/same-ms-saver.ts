/**
 * Saves one checkpoint per round at a wall-clock instant the parent names: on `{ t: 'go', at }` it
 * spins until `Date.now() >= at`, then saves, so several processes save in the same millisecond.
 */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import type { Message } from '../harness/protocol.js';
import { openStore, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly domain: string;
  readonly trace: string;
  readonly saver: number;
  readonly rounds: number;
}

runChild(async () => {
  const { target, domain, trace, saver, rounds } = childParams<Params>();
  const store = await openStore(target);
  const checkpoints = store.checkpoints(domain);
  await checkpoints.loadLatest(trace);
  send({ t: 'ready' });
  for (let round = 0; round < rounds; round++) {
    const { at } = await receive<Message & { at: number }>((m) => m.t === 'go' && m.round === round);
    while (Date.now() < at) {
      // spin: a timer would wake up too late to hit the same millisecond as the others
    }
    const info = await checkpoints.save(trace, { data: Uint8Array.of(saver, round), metadata: { saver, round } });
    send({ t: 'saved', round, id: info.id, seq: info.seq, createdAt: info.createdAt });
  }
  await store.close();
});
