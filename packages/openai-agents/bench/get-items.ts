// How long `getItems(limit)` takes on a session of 100 items and on one of 100,000 (SQLite, one
// process): the read walks back from the tail, so both should cost about the same.
// Run from the repository root: `npx tsx --conditions=source packages/openai-agents/bench/get-items.ts`
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore } from '@agentstore/core';
import type { AgentInputItem } from '@openai/agents-core';
import { AgentstoreSession } from '../src/index.js';

const READS = 2000;
const dir = await mkdtemp(join(tmpdir(), 'agentstore-session-bench-'));
const store = await createStore({ dataDir: dir, adapters: [sqliteAdapter] });
const item = (i: number): AgentInputItem => ({ type: 'message', role: 'user', content: `message number ${i} of the conversation` });

async function sessionOf(size: number): Promise<AgentstoreSession> {
  const session = new AgentstoreSession(store, { sessionId: `s${size}` });
  for (let i = 0; i < size; i += 1000) await session.addItems(Array.from({ length: Math.min(1000, size - i) }, (_, j) => item(i + j)));
  return session;
}

async function microsPerRead(session: AgentstoreSession, limit: number): Promise<number> {
  for (let i = 0; i < 100; i++) await session.getItems(limit); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < READS; i++) await session.getItems(limit);
  return Number(process.hrtime.bigint() - start) / 1000 / READS;
}

const small = await sessionOf(100);
const large = await sessionOf(100_000);
for (const limit of [1, 10, 50]) {
  const s = await microsPerRead(small, limit);
  const l = await microsPerRead(large, limit);
  console.log(`getItems(${limit}): ${s.toFixed(1)} µs at 100 items, ${l.toFixed(1)} µs at 100,000 items (ratio ${(l / s).toFixed(2)})`);
}
const start = process.hrtime.bigint();
const all = await large.getItems();
console.log(`getItems() of all ${all.length} items: ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0)} ms`);
await store.close();
await rm(dir, { recursive: true, force: true });
