import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore } from '@agentstore/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentstoreSession } from '../src/index.js';
import { Worker } from './support/worker.js';

const ADDS = 240;
const POPS = 90; // per popping process

describe('popItem against addItems and popItem in other processes (SQLite)', () => {
  let dataDir: string;
  const workers: Worker[] = [];
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentstore-openai-agents-pop-'));
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) w.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('removes every item at most once and loses none', async () => {
    const adder = new Worker('session-worker.ts', [dataDir, 's', 'a', 'add', String(ADDS)]);
    const poppers = ['p', 'q'].map((name) => new Worker('session-worker.ts', [dataDir, 's', name, 'pop', String(POPS)]));
    workers.push(adder, ...poppers);
    await Promise.all(workers.map((w) => w.ready()));
    for (const w of workers) w.go();
    await adder.result();
    const popped = (await Promise.all(poppers.map((w) => w.result<{ popped: Array<string | null> }>()))).flatMap((r) => r.popped);

    const store = await createStore({ dataDir, adapters: [sqliteAdapter] });
    const remaining = (await new AgentstoreSession(store, { sessionId: 's' }).getItems()).map((i) => (i as { content: string }).content);
    await store.close();

    const taken = popped.filter((p): p is string => p !== null);
    const added = Array.from({ length: ADDS }, (_, i) => `a-${i}`);
    // No item popped twice, none both popped and still there, none lost.
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken.filter((t) => remaining.includes(t))).toEqual([]);
    expect([...taken, ...remaining].sort()).toEqual([...added].sort());
    // What is left is still in the order it was added.
    const indexes = remaining.map((r) => Number(r.slice(2)));
    expect(indexes).toEqual([...indexes].sort((x, y) => x - y));
    // The pops ran while items were being added (else the test proves nothing about the race).
    expect(taken.length).toBeGreaterThan(0);
  });
});
