/**
 * A retention run to be killed: after `go` it calls `store.prune()` in a loop until SIGKILL, saying
 * `start` before each call and `done` (with the report) only after it resolved.
 */
import { childParams, receive, runChild, send } from '../harness/child-runtime.js';
import { type KindsTarget, openTarget } from './open.js';

runChild(
  async () => {
    const { target } = childParams<{ target: KindsTarget }>();
    const store = await openTarget(target);
    send({ t: 'loaded' });
    await receive('go');
    for (let k = 0; ; k++) {
      send({ t: 'start', k });
      const report = await store.prune();
      send({ t: 'done', k, removed: Object.values(report).reduce((n, r) => n + r.removed, 0) });
    }
  },
  { maxMs: 60_000 },
);
