/** Appends `count` single-value entries to one stream in `lanes` concurrent loops, then reports every seq it got. */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { type KindsTarget, openTarget } from './open.js';

interface Params {
  readonly target: KindsTarget;
  readonly stream: string;
  readonly writer: number;
  readonly count: number;
  readonly lanes: number;
}

runChild(
  async () => {
    const { target, stream, writer, count, lanes } = childParams<Params>();
    const store = await openTarget(target);
    const journal = store.journal<{ w: number; i: number }>('events');
    await journal.lastSeq(stream);
    send({ t: 'ready' });
    await receive('go');
    // seqs[i] is the seq the append of value { w: writer, i } returned.
    const seqs: number[] = new Array(count);
    let next = 0;
    const lane = async () => {
      while (next < count) {
        const i = next++;
        const { firstSeq, lastSeq } = await journal.append(stream, [{ w: writer, i }]);
        if (firstSeq !== lastSeq) throw new Error(`one value got seqs ${firstSeq}..${lastSeq}`);
        seqs[i] = firstSeq;
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    await store.close();
    send({ t: 'seqs', seqs });
  },
  { maxMs: 300_000 },
);
