/**
 * One contender of the expectLatest race: for every `race` message it saves on the trace with
 * `expectLatest` set to the parent the message names, and reports whether it won or which code it got.
 */
import { childParams, codeOf, receive, runChild, send } from '../harness/child-runtime.js';
import type { Message } from '../harness/protocol.js';
import { openStore, type StoreTarget } from '../harness/stores.js';

interface Params {
  readonly target: StoreTarget;
  readonly domain: string;
  readonly trace: string;
  readonly racer: number;
}

interface Race extends Message {
  readonly round: number;
  readonly expectLatest: string | null;
}

runChild(async () => {
  const { target, domain, trace, racer } = childParams<Params>();
  const store = await openStore(target);
  const checkpoints = store.checkpoints(domain);
  await checkpoints.loadLatest(trace);
  send({ t: 'ready' });
  for (;;) {
    const message = await receive((m) => m.t === 'race' || m.t === 'stop');
    if (message.t === 'stop') break;
    const { round, expectLatest } = message as Race;
    const data = new TextEncoder().encode(`round ${round} racer ${racer}`);
    try {
      const info = await checkpoints.save(trace, { data, expectLatest, metadata: { round, racer } });
      send({ t: 'result', round, ok: true, id: info.id, seq: info.seq, parentId: info.parentId ?? null });
    } catch (error) {
      send({ t: 'result', round, ok: false, code: codeOf(error) ?? 'NO_CODE', message: String((error as Error).message) });
    }
  }
  await store.close();
  send({ t: 'closed' });
});
