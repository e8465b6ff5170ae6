import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore } from '@agentstore/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createChatStore } from '../src/index.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'chat-appender.ts');
const COUNT = 80;

describe('appendMessages from two processes on one chat (SQLite)', () => {
  let dataDir: string;
  const children: Array<ReturnType<typeof spawn>> = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentstore-ai-sdk-chat-procs-'));
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every message, each process’s in its order', async () => {
    const lines = ['a', 'b'].map((name) => {
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', fixture, dataDir, 'chat', name, String(COUNT)]);
      children.push(child);
      return createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    });
    for (const l of lines) expect((await l.next()).value).toBe('ready');
    for (const c of children) c.stdin?.write('go\n');
    for (const l of lines) expect((await l.next()).value).toBe('done');

    const store = await createStore({ dataDir, adapters: [sqliteAdapter] });
    const ids = (await createChatStore(store).loadChat('chat')).map((m) => m.id);
    await store.close();
    expect(ids).toHaveLength(2 * COUNT);
    for (const name of ['a', 'b']) {
      expect(ids.filter((id) => id.startsWith(`${name}-`))).toEqual(Array.from({ length: COUNT }, (_, i) => `${name}-${i}`));
    }
  });
});
