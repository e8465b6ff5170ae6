/**
 * Swaps catalog generations into one snapshots domain, printing each epoch after its put resolved.
 * Generations continue from the stored epoch, so with one writer a generation equals its epoch.
 */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { type KindsTarget, openTarget } from './open.js';
import { catalog } from './snapshot-data.js';

interface Params {
  readonly target: KindsTarget;
  readonly items: number;
  /** Stop after this many swaps (0: until killed). */
  readonly swaps: number;
}

runChild(
  async () => {
    const { target, items, swaps } = childParams<Params>();
    const store = await openTarget(target);
    const snapshots = store.snapshots('catalog');
    const first = (await snapshots.epoch()) + 1;
    send({ t: 'ready' });
    await receive('go');
    for (let gen = first; swaps === 0 || gen < first + swaps; gen++) {
      const epoch = await snapshots.put(catalog(gen, items), { gen });
      send({ t: 'put', gen, epoch });
    }
    await store.close();
    send({ t: 'done' });
  },
  { maxMs: 120_000 },
);
