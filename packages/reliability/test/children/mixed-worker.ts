/**
 * One of several processes mixing reads and writes on one store: gets of other workers' keys, puts
 * of its own, increments of one shared counter, checkpoint saves on one shared trace. Every call's
 * failure is caught and counted by code (none is expected: a `BUSY` must never reach the caller).
 */
import { childParams, codeOf, receive, runChild, send } from '../harness/child-runtime.js';
import { Rng } from '../harness/random.js';
import { openStore, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly kvDomain: string;
  readonly cpDomain: string;
  readonly trace: string;
  readonly worker: number;
  readonly workers: number;
  readonly ops: number;
  readonly lanes: number;
  readonly seed: number;
}

interface Item {
  readonly worker: number;
  readonly n: number;
  readonly text: string;
}

runChild(async () => {
  const { target, kvDomain, cpDomain, trace, worker, workers, ops, lanes, seed } = childParams<Params>();
  const rng = new Rng(seed);
  const store = await openStore(target);
  const kv = store.kv<Item | number>(kvDomain);
  const checkpoints = store.checkpoints(cpDomain);
  await kv.get('hits');
  await checkpoints.loadLatest(trace);
  send({ t: 'ready' });
  await receive('go');

  const errors: Record<string, number> = {};
  const tally = { gets: 0, found: 0, mismatched: 0, puts: 0, increments: 0, saves: 0 };
  const putKeys: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < ops) {
      next++;
      const pick = rng.next();
      try {
        if (pick < 0.3) {
          const other = rng.int(0, workers - 1);
          const n = rng.int(0, Math.max(0, Math.floor(ops / 4)));
          const value = await kv.get(['item', other, n]);
          tally.gets++;
          if (value !== undefined) {
            tally.found++;
            const item = value as Item;
            if (item.worker !== other || item.n !== n || item.text !== `w${other}#${n}`) tally.mismatched++;
          }
        } else if (pick < 0.55) {
          const n = tally.puts++;
          await kv.put(['item', worker, n], { worker, n, text: `w${worker}#${n}` });
          putKeys.push(n);
        } else if (pick < 0.8) {
          await kv.updateCounter('hits', 1);
          tally.increments++;
        } else {
          await checkpoints.save(trace, { data: new TextEncoder().encode(`w${worker} ${tally.saves}`), metadata: { worker } });
          tally.saves++;
        }
      } catch (error) {
        const code = codeOf(error) ?? `NO_CODE: ${String((error as Error)?.message ?? error).slice(0, 200)}`;
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  await store.close();
  send({ t: 'done', errors, tally, putKeys });
});
