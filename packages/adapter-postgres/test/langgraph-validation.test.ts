// LangGraph's own checkpointer validation suite, run on AgentstoreSaver with every domain on postgres.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test, vi } from 'vitest';

// The validation suite calls vitest's functions as globals; the root config keeps `globals` off.
Object.assign(globalThis, { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test, vi });

const { mkdtemp, rm } = await import('node:fs/promises');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const { createStore } = await import('@agentstore/core');
const { AgentstoreSaver } = await import('@agentstore/langgraph');
const { validate } = await import('@langchain/langgraph-checkpoint-validation');
const { postgresAdapter } = await import('../src/index.js');
const { dropSchema, PG_URL, schemaFor, unreachableReason } = await import('./pg-env.js');

type Saver = InstanceType<typeof AgentstoreSaver>;
const skipped = await unreachableReason();
if (skipped === undefined) {
  const open = new Map<Saver, () => Promise<void>>();
  validate({
    checkpointerName: 'agentstore-postgres',
    async createCheckpointer() {
      const dataDir = await mkdtemp(join(tmpdir(), 'agentstore-langgraph-pg-'));
      const schema = schemaFor(dataDir);
      const store = await createStore({
        dataDir,
        adapters: [postgresAdapter],
        default: { adapter: 'postgres', options: { connectionString: PG_URL, schema } },
      });
      const saver = new AgentstoreSaver(store);
      open.set(saver, async () => {
        await store.close();
        await dropSchema(schema);
        await rm(dataDir, { recursive: true, force: true });
      });
      return saver;
    },
    async destroyCheckpointer(saver: Saver) {
      await open.get(saver)?.();
      open.delete(saver);
    },
  });
} else {
  console.log(`[adapter-postgres] LangGraph validation skipped: ${skipped}`);
  it.skip(`LangGraph validation: ${skipped}`, () => {});
}
