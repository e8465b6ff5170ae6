// For an app whose package manager skipped better-sqlite3's build (pnpm 10 without approved builds).
// `unbuilt`: createStore must fail with UNSUPPORTED naming the package and the commands that build it.
// `rebuilt` (after running the command the message gave): the store opens, writes and reads.
// Usage: node unbuilt-sqlite.mjs <dataDir> unbuilt|rebuilt. Prints one JSON line; exits non-zero otherwise.
import assert from 'node:assert/strict';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore } from '@agentstore/core';

const [dataDir, mode] = process.argv.slice(2);
if (mode === 'unbuilt') {
  const err = await createStore({ dataDir, adapters: [sqliteAdapter] }).then(
    () => assert.fail('createStore opened a store although better-sqlite3 was not built'),
    (e) => e,
  );
  assert.equal(err.code, 'UNSUPPORTED', err.stack);
  for (const part of [
    '@agentstore/adapter-sqlite',
    'pnpm approve-builds',
    'onlyBuiltDependencies',
    'pnpm rebuild better-sqlite3',
    'npm rebuild better-sqlite3',
  ]) {
    assert.ok(err.message.includes(part), `the message names ${part}: ${err.message}`);
  }
  console.log(JSON.stringify({ ok: true, mode, code: err.code, message: err.message }));
} else {
  const store = await createStore({ dataDir, adapters: [sqliteAdapter] });
  await store.kv('runs').put('r', { ok: true });
  assert.deepEqual(await store.kv('runs').get('r'), { ok: true });
  await store.close();
  console.log(JSON.stringify({ ok: true, mode }));
}
