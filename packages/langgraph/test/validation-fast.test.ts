/**
 * LangGraph's checkpoint validation suite on AgentstoreSaver with every domain in `fast` durability
 * (SPEC §9.2) and a window no test waits out: every `put`/`putWrites` is acknowledged before it
 * commits, so each read the suite makes (getTuple, list) is answered through the pending writes.
 */
import './support/vitest-globals.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lmdbAdapter } from '@agentstore/adapter-lmdb';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore } from '@agentstore/core';
import { validate } from '@langchain/langgraph-checkpoint-validation';
import { AgentstoreSaver } from '../src/index.js';

const FAST = { durability: 'fast', fastWindowMs: 60_000 };

for (const adapter of ['lmdb', 'sqlite'] as const) {
  const open = new Map<AgentstoreSaver, () => Promise<void>>();
  validate({
    checkpointerName: `agentstore-${adapter}-fast`,
    async createCheckpointer() {
      const dir = await mkdtemp(join(tmpdir(), `agentstore-langgraph-fast-${adapter}-`));
      const store = await createStore({ dataDir: dir, adapters: [lmdbAdapter, sqliteAdapter], default: { adapter, options: FAST } });
      const saver = new AgentstoreSaver(store);
      open.set(saver, async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      });
      return saver;
    },
    async destroyCheckpointer(saver) {
      await open.get(saver)?.();
      open.delete(saver);
    },
  });
}
