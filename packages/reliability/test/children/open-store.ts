/**
 * Opens a store routing every domain to one adapter (argv: dataDir, adapter package, export name) and
 * writes one value; prints one JSON line: `{ written: true }` or the error's `{ stage, code, message }`.
 */
import { createStore, isStoreError } from '@agentstore/core';
import { type AdapterSource, loadAdapter } from '../harness/stores.js';

const [dataDir, specifier, exportName] = process.argv.slice(2) as [string, string, string];
const source: AdapterSource = { specifier, exportName };

let stage = 'import';
try {
  const adapter = await loadAdapter(source);
  stage = 'createStore';
  const store = await createStore({ dataDir, adapters: [adapter], default: { adapter: adapter.name } });
  stage = 'put';
  await store.kv('probe').put('k', 1);
  await store.close();
  console.log(JSON.stringify({ written: true }));
} catch (err) {
  const code = isStoreError(err) ? err.code : undefined;
  console.log(JSON.stringify({ stage, code, message: (err as Error).message }));
}
