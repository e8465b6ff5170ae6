import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, isStoreError } from '@agentstore/core';
import { type Checkpoint, uuid6 } from '@langchain/langgraph-checkpoint';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentstoreSaver } from '../src/index.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentstore-saver-short-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const config = { configurable: { thread_id: 't1', checkpoint_ns: '' } };

async function putOne(saver: AgentstoreSaver): Promise<string> {
  const checkpoint: Checkpoint = {
    v: 4,
    id: uuid6(-1),
    ts: new Date().toISOString(),
    channel_values: { messages: ['hi'] },
    channel_versions: { messages: 1 },
    versions_seen: {},
  };
  await saver.put(config, checkpoint, { source: 'loop', step: 0, parents: {} }, { messages: 1 });
  return checkpoint.id;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('AgentstoreSaver short forms', () => {
  it('fromPath stores in the directory, and a second saver finds the checkpoint', async () => {
    const dir = join(tempDir(), 'agent-data');
    const first = await AgentstoreSaver.fromPath(dir);
    const id = await putOne(first);
    await first.close();
    expect(readdirSync(dir).length).toBeGreaterThan(0);
    const second = await AgentstoreSaver.fromPath(dir);
    expect((await second.getTuple(config))?.checkpoint.id).toBe(id);
    expect(second.store.adapterOf('checkpoints')).toBe('sqlite');
    await second.close();
  });

  it('await using closes the store the saver opened', async () => {
    let kept: AgentstoreSaver | undefined;
    {
      await using saver = await AgentstoreSaver.fromPath(tempDir());
      await putOne(saver);
      kept = saver;
    }
    expect(await codeOf(kept.getTuple(config))).toBe('CLOSED');
  });

  it('a saver never closes a store it was given', async () => {
    const store = await createStore('memory:');
    const saver = new AgentstoreSaver(store);
    await saver.close();
    await putOne(saver);
    await store.close();
  });

  it("fromConnString takes ':memory:' and store URLs; without a URL it needs AGENTSTORE_PG_URL", async () => {
    await using mem = await AgentstoreSaver.fromConnString(':memory:');
    await putOne(mem);
    expect(mem.store.adapterOf('checkpoints')).toBe('memory');
    await using lmdb = await AgentstoreSaver.fromConnString(`lmdb:${tempDir()}`);
    expect(lmdb.store.adapterOf('checkpoint_writes')).toBe('lmdb');
    const before = process.env.AGENTSTORE_PG_URL;
    delete process.env.AGENTSTORE_PG_URL;
    try {
      expect(await codeOf(AgentstoreSaver.fromConnString())).toBe('INVALID_OPTIONS');
    } finally {
      if (before !== undefined) process.env.AGENTSTORE_PG_URL = before;
    }
    expect(await codeOf(AgentstoreSaver.fromPath(tempDir(), { checkpoints: 'Bad Name' }))).toBe('INVALID_DOMAIN');
  });

  it('fromConnString(postgres://…) checkpoints in PostgreSQL', async (ctx) => {
    const url = process.env.AGENTSTORE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const names = { checkpoints: `core19_cp_${process.pid}`, writes: `core19_wr_${process.pid}`, heads: `core19_hd_${process.pid}` };
    let saver: AgentstoreSaver;
    try {
      saver = await AgentstoreSaver.fromConnString(url, names);
      await putOne(saver);
    } catch (err) {
      if (isStoreError(err, 'IO')) return ctx.skip(`PostgreSQL is unreachable (${err.message})`);
      throw err;
    }
    try {
      expect(saver.store.adapterOf(names.checkpoints)).toBe('postgres');
      expect((await saver.getTuple(config))?.checkpoint.channel_values).toEqual({ messages: ['hi'] });
      for (const domain of Object.values(names)) await saver.store.dropDomain(domain);
    } finally {
      await saver.close();
    }
  });
});
