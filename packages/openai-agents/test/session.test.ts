import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore, isStoreError, type Store } from '@agentstore/core';
import type { AgentInputItem } from '@openai/agents-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentstoreSession } from '../src/index.js';

const user = (text: string): AgentInputItem => ({ type: 'message', role: 'user', content: text });
const texts = (items: AgentInputItem[]) => items.map((i) => (i as { content: string }).content);

describe.each(['memory', 'sqlite'])('AgentstoreSession on %s', (adapter) => {
  let store: Store;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentstore-openai-session-'));
    store = await createStore({ dataDir: dir, adapters: [sqliteAdapter], default: { adapter } });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps items in order, exactly as added', async () => {
    const session = new AgentstoreSession(store, { sessionId: 'a' });
    const call: AgentInputItem = {
      type: 'function_call',
      callId: 'c1',
      name: 'lookup',
      arguments: '{"q":"é\\u0000"}',
      status: 'completed',
      providerData: { nested: [1, null, { deep: 'x' }], empty: {} },
    };
    await session.addItems([user('one'), call]);
    await session.addItems([user('three')]);
    expect(await session.getItems()).toEqual([user('one'), call, user('three')]);
    expect(await session.getItems(2)).toEqual([call, user('three')]);
    expect(await session.getItems(10)).toHaveLength(3);
    expect(await session.getItems(0)).toEqual([]);
  });

  it('pops the newest item, skips popped items in later reads, and clears', async () => {
    const session = new AgentstoreSession(store, { sessionId: 'b' });
    await session.addItems(['1', '2', '3'].map(user));
    expect(await session.popItem()).toEqual(user('3'));
    await session.addItems([user('4')]);
    expect(texts(await session.getItems())).toEqual(['1', '2', '4']);
    expect(texts(await session.getItems(2))).toEqual(['2', '4']);
    expect(await session.popItem()).toEqual(user('4'));
    expect(await session.popItem()).toEqual(user('2'));
    expect(texts(await session.getItems(5))).toEqual(['1']);
    await session.clearSession();
    expect(await session.getItems()).toEqual([]);
    expect(await session.popItem()).toBeUndefined();
    // A pop on an empty session is a no-op: it cancels no item added after it.
    await session.addItems([user('5'), user('6')]);
    expect(texts(await session.getItems())).toEqual(['5', '6']);
    expect(await session.popItem()).toEqual(user('6'));
  });

  it('reads the newest items across many pops and pages', async () => {
    const session = new AgentstoreSession(store, { sessionId: 'c' });
    const all = Array.from({ length: 1200 }, (_, i) => user(String(i)));
    await session.addItems(all);
    for (let i = 0; i < 300; i++) await session.popItem();
    expect(texts(await session.getItems(3))).toEqual(['897', '898', '899']);
    expect(texts(await session.getItems())).toEqual(texts(all.slice(0, 900)));
  });

  it('refuses a history whose start was truncated without its clear record (what a read overlapping a clear meets)', async () => {
    const session = new AgentstoreSession(store, { sessionId: 'e' });
    await session.addItems(Array.from({ length: 10 }, (_, i) => user(String(i))));
    // A clear appends its record, then truncates below it; a read that began before the record can
    // meet the truncated entries without the record. Truncating directly produces that view for good.
    await store.journal('agent_sessions').truncateBefore('e', 5);
    await expect(session.getItems()).rejects.toSatisfy((e) => isStoreError(e, 'CONFLICT'));
    expect(texts(await session.getItems(3))).toEqual(['7', '8', '9']); // the walk stops before the gap
    await session.clearSession();
    expect(await session.getItems()).toEqual([]);
  });

  it('generates a session id when none is given, and keeps sessions apart', async () => {
    const a = new AgentstoreSession(store);
    const b = new AgentstoreSession(store);
    expect(await a.getSessionId()).toMatch(/^[0-9a-f-]{36}$/);
    expect(await a.getSessionId()).not.toBe(await b.getSessionId());
    await a.addItems([user('x')]);
    expect(await b.getItems()).toEqual([]);
    const again = new AgentstoreSession(store, { sessionId: await a.getSessionId() });
    expect(await again.getItems()).toEqual([user('x')]);
  });

  it('rejects bad input with a StoreError before writing', async () => {
    expect(() => new AgentstoreSession(store, { sessionId: '' })).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
    expect(() => new AgentstoreSession(store, { domain: 'Bad-Name' })).toThrow(expect.objectContaining({ code: 'INVALID_DOMAIN' }));
    expect(() => new AgentstoreSession(store, { sessionid: 'x' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    const session = new AgentstoreSession(store, { sessionId: 'd' });
    await expect(session.getItems(1.5)).rejects.toSatisfy((e) => isStoreError(e, 'INVALID_VALUE'));
    const bad = [user('ok'), { type: 'message', role: 'user', content: () => 1 } as unknown as AgentInputItem];
    await expect(session.addItems(bad)).rejects.toSatisfy((e) => isStoreError(e, 'INVALID_VALUE'));
    expect(await session.getItems()).toEqual([]);
  });
});
