/**
 * Reads the catalog snapshot in a loop until `stop`, checking that every read is one whole swap, that
 * epochs never go back, and that reads of an unchanged epoch return the very same frozen object.
 */
import { setImmediate } from 'node:timers/promises';
import { childParams, hasReceived, receive, runChild, send } from '../harness/child-runtime.js';
import { type KindsTarget, openTarget } from './open.js';
import { type Catalog, checkCatalog } from './snapshot-data.js';

interface Params {
  readonly target: KindsTarget;
  readonly items: number;
}

runChild(
  async () => {
    const { target, items } = childParams<Params>();
    const store = await openTarget(target);
    const snapshots = store.snapshots<Catalog>('catalog');
    await snapshots.epoch();
    send({ t: 'ready' });
    await receive('go');
    const problems: string[] = [];
    const epochs = new Set<number>();
    let reads = 0;
    let shared = 0;
    let previous: Awaited<ReturnType<typeof snapshots.get>>;
    // One more read after `stop`, so the last swap before it is seen too.
    for (let last = false; ; ) {
      last = hasReceived('stop');
      const got = await snapshots.get();
      reads++;
      if (got !== undefined) {
        epochs.add(got.epoch);
        if (previous !== undefined && got.epoch < previous.epoch) problems.push(`epoch went back from ${previous.epoch} to ${got.epoch}`);
        if (previous !== undefined && got.epoch === previous.epoch) {
          if (got === previous) shared++;
          else problems.push(`epoch ${got.epoch} read twice gave two objects`);
        } else {
          problems.push(...checkCatalog(got.snapshot, got.epoch, got.opts, items));
          if (!Object.isFrozen(got.snapshot.items[0])) problems.push(`epoch ${got.epoch} is not frozen`);
        }
        previous = got;
      }
      if (last || problems.length > 10) break;
      await setImmediate();
    }
    await store.close();
    send({ t: 'report', reads, shared, epochs: epochs.size, lastEpoch: previous?.epoch ?? 0, problems: problems.slice(0, 10) });
  },
  { maxMs: 120_000 },
);
