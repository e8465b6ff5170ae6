import diagnostics_channel from 'node:diagnostics_channel';
import { OPERATION_CHANNEL, type OperationEvent, type Store } from '@agentstore/core';
import type { Context } from '../context.js';
import { runPair } from './pair.js';

const PRELOAD = 2_000;

/**
 * What observability costs (issue 19): kv get and put with a subscriber on `agentstore:operation`
 * against the same calls with none. The two sides alternate in one run; the subscriber is attached
 * when a "with subscriber" batch starts and detached when a "no subscriber" one does, so each side
 * runs in the state it names.
 */
export async function observeSection(ctx: Context, backend: string, store: Store): Promise<void> {
  const kv = store.kv<{ n: number }>('bench_observe');
  for (let i = 0; i < PRELOAD; i += 500) await kv.putMany(Array.from({ length: 500 }, (_, j) => [i + j, { n: i + j }] as const));
  let events = 0;
  const listener = (message: unknown) => {
    if ((message as OperationEvent).durationMs >= 0) events++;
  };
  let subscribed = false;
  const listen = (on: boolean) => {
    if (on === subscribed) return;
    if (on) diagnostics_channel.subscribe(OPERATION_CHANNEL, listener);
    else diagnostics_channel.unsubscribe(OPERATION_CHANNEL, listener);
    subscribed = on;
  };
  const pair = { section: 'observe', backend, impl: 'with subscriber', baselineLabel: 'no subscriber' } as const;
  try {
    let next = PRELOAD;
    await runPair(
      ctx,
      { ...pair, op: 'kv get', budget: ctx.sizes.get, note: 'a subscriber on agentstore:operation receives each event' },
      (i) => {
        listen(true);
        return kv.get(i % PRELOAD);
      },
      (i) => {
        listen(false);
        return kv.get(i % PRELOAD);
      },
    );
    await runPair(
      ctx,
      { ...pair, op: 'kv put', budget: ctx.sizes.put },
      () => {
        listen(true);
        return kv.put(next++, { n: next });
      },
      () => {
        listen(false);
        return kv.put(next++, { n: next });
      },
    );
  } finally {
    listen(false);
  }
  if (events === 0) throw new Error('the subscriber received no event');
}
