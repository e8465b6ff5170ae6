/**
 * A journal writer to be killed: after `go` it appends batches of 1..5 values to one shared stream
 * in `lanes` loops until SIGKILL, printing each append's seqs only after the append resolved.
 */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { Rng } from '../harness/random.js';
import { crashValue } from './journal-values.js';
import { type KindsTarget, openTarget } from './open.js';

interface Params {
  readonly target: KindsTarget;
  readonly stream: string;
  readonly writer: number;
  readonly round: number;
  readonly lanes: number;
  readonly seed: number;
}

runChild(
  async () => {
    const { target, stream, writer, round, lanes, seed } = childParams<Params>();
    send({ t: 'loaded' });
    await receive('go');
    const rng = new Rng(seed);
    const store = await openTarget(target);
    const journal = store.journal<string>('events');
    let appends = 0;
    const lane = async () => {
      for (;;) {
        const k = appends++;
        const n = rng.int(1, 5);
        const values = Array.from({ length: n }, (_, j) => crashValue(writer, round, k, j));
        const { firstSeq, lastSeq } = await journal.append(stream, values, { validTime: k });
        send({ t: 'ack', k, n, firstSeq, lastSeq });
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  },
  { maxMs: 60_000 },
);
