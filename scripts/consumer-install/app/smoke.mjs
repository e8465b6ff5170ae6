// Consumer smoke test, run inside a fresh app that installed the packed packages: one store with
// domains on SQLite, LMDB and LevelDB, every kind written, closed, reopened and read back.
// Usage: node smoke.mjs <dataDir>. Prints one JSON line; exits non-zero on any mismatch.
import assert from 'node:assert/strict';
import { levelAdapter } from '@agentstore/adapter-level';
import { lmdbAdapter, lmdbBuildInfo } from '@agentstore/adapter-lmdb';
import { redisAdapter } from '@agentstore/adapter-redis';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore, jsonCodec, StoreError } from '@agentstore/core';

const dataDir = process.argv[2];
const config = {
  dataDir,
  // redis is registered (its tarball and ioredis load) but routes nothing: no server is needed here.
  adapters: [sqliteAdapter, lmdbAdapter, levelAdapter, redisAdapter],
  default: { adapter: 'sqlite' },
  domains: { runs: { adapter: 'sqlite' }, checkpoints: { adapter: 'lmdb' }, journal: { adapter: 'level' } },
};

const store = await createStore(config);
await store.kv('runs').put(['run', 'r1'], { status: 'running', at: new Date(0) });
await store.kv('runs').updateCounters([[['run', 'r1', 'steps'], 3]]);
const saved = await store.checkpoints('checkpoints').save('trace-1', { data: new Uint8Array([1, 2, 3]), metadata: { step: 1 } });
await store.journal('journal').append('events', [{ t: 'tool_call' }, { t: 'tool_result' }]);
await store.kv('notes', { codec: jsonCodec }).put('n', { ok: true });
const bad = await store
  .kv('runs')
  .put([], 1)
  .then(
    () => undefined,
    (err) => err,
  );
assert.ok(bad instanceof StoreError, 'an invalid key is a StoreError from the installed core');
await store.close();

const reopened = await createStore(config);
assert.deepEqual(await reopened.kv('runs').get(['run', 'r1']), { status: 'running', at: new Date(0) });
assert.equal(await reopened.kv('runs').get(['run', 'r1', 'steps']), 3);
const latest = await reopened.checkpoints('checkpoints').loadLatest('trace-1');
assert.equal(latest?.id, saved.id);
assert.deepEqual([...latest.data], [1, 2, 3]);
const events = await reopened.journal('journal').read('events');
assert.deepEqual(
  events.map((e) => e.value.t),
  ['tool_call', 'tool_result'],
);
assert.deepEqual(await reopened.kv('notes', { codec: jsonCodec }).get('n'), { ok: true });
const stats = await reopened.stats();
await reopened.close();

console.log(
  JSON.stringify({
    ok: true,
    adapters: Object.fromEntries(stats.map((s) => [s.domain, s.adapter])),
    lmdb: lmdbBuildInfo(),
  }),
);
