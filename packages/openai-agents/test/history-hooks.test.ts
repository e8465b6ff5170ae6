import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore, type Store } from '@agentstore/core';
import type { AgentInputItem } from '@openai/agents-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentstoreSession } from '../src/index.js';

const user = (text: string): AgentInputItem => ({ type: 'message', role: 'user', content: text });
const call = (callId: string, args: string): AgentInputItem => ({
  type: 'function_call',
  callId,
  name: 'f',
  arguments: args,
  status: 'completed',
});
const texts = (items: AgentInputItem[]) =>
  items.map((i) => (i as { content?: string; arguments?: string }).content ?? (i as { arguments: string }).arguments);

describe.each(['memory', 'sqlite'])('AgentstoreSession history hooks on %s', (adapter) => {
  let store: Store;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentstore-openai-hooks-'));
    store = await createStore({ dataDir: dir, adapters: [sqliteAdapter], default: { adapter } });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies an append transaction once per operation id; a different transaction under the same id is CONFLICT', async () => {
    const s = new AgentstoreSession(store, { sessionId: 'a' });
    const tx = { type: 'append_items' as const, items: [user('1'), user('2')] };
    await s.applyHistoryTransaction({ operationId: 'op-1', transaction: tx });
    await s.applyHistoryTransaction({ operationId: 'op-1', transaction: structuredClone(tx) });
    expect(texts(await s.getItems())).toEqual(['1', '2']);
    await expect(
      s.applyHistoryTransaction({ operationId: 'op-1', transaction: { type: 'append_items', items: [user('other')] } }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(texts(await s.getItems())).toEqual(['1', '2']);
  });

  it('replaces a matching suffix atomically and refuses a suffix that no longer matches', async () => {
    const s = new AgentstoreSession(store, { sessionId: 'b' });
    await s.addItems([user('1'), user('2'), user('3')]);
    await s.applyHistoryTransaction({
      operationId: 'r1',
      transaction: { type: 'replace_suffix', expectedSuffix: [user('2'), user('3')], replacement: [user('x')] },
    });
    expect(texts(await s.getItems())).toEqual(['1', 'x']);
    await expect(
      s.applyHistoryTransaction({
        operationId: 'r2',
        transaction: { type: 'replace_suffix', expectedSuffix: [user('3')], replacement: [user('y')] },
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      s.applyHistoryTransaction({
        operationId: 'r3',
        transaction: { type: 'replace_suffix', expectedSuffix: [user('0'), user('1'), user('x')], replacement: [] },
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    // An empty expected suffix always matches: the replacement is appended.
    await s.applyHistoryTransaction({
      operationId: 'r4',
      transaction: { type: 'replace_suffix', expectedSuffix: [], replacement: [user('z')] },
    });
    expect(texts(await s.getItems())).toEqual(['1', 'x', 'z']);
    expect(await s.popItem()).toEqual(user('z'));
  });

  it('refuses malformed transactions with INVALID_VALUE before writing', async () => {
    const s = new AgentstoreSession(store, { sessionId: 'c' });
    const bad: unknown[] = [
      undefined,
      { operationId: '', transaction: { type: 'append_items', items: [] } },
      { operationId: 'x', transaction: { type: 'append_items', items: [], extra: 1 } },
      { operationId: 'x', transaction: { type: 'drop_all' } },
      { operationId: 'x', transaction: { type: 'append_items', items: [1] } },
    ];
    for (const args of bad) await expect(s.applyHistoryTransaction(args as never)).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    expect(await s.getItems()).toEqual([]);
  });

  it('concurrent transactions with distinct ids all apply, each once', async () => {
    const s = new AgentstoreSession(store, { sessionId: 'd' });
    const other = new AgentstoreSession(store, { sessionId: 'd' });
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        (i % 2 ? s : other).applyHistoryTransaction({
          operationId: `op-${i}`,
          transaction: { type: 'append_items', items: [user(`${i}`)] },
        }),
      ),
    );
    expect(texts(await s.getItems()).sort()).toEqual(['0', '1', '2', '3']);
    await s.applyHistoryTransaction({ operationId: 'op-2', transaction: { type: 'append_items', items: [user('2')] } });
    expect(await s.getItems()).toHaveLength(4);
  });

  it('replaceHistoryWithCompaction replaces the history in one append and keeps the applied operation ids', async () => {
    const s = new AgentstoreSession(store, { sessionId: 'e' });
    await s.applyHistoryTransaction({ operationId: 'keep', transaction: { type: 'append_items', items: [user('1')] } });
    await s.addItems([user('2'), user('3')]);
    const compaction = { type: 'compaction', encrypted_content: 'abc' } as unknown as AgentInputItem;
    await s.replaceHistoryWithCompaction([compaction, user('3')]);
    expect(await s.getItems()).toEqual([compaction, user('3')]);
    // The id applied before the compaction is still known: a retry does not add the item again.
    await s.applyHistoryTransaction({ operationId: 'keep', transaction: { type: 'append_items', items: [user('1')] } });
    expect(await s.getItems()).toHaveLength(2);
    // The entries before the compaction are freed.
    expect((await store.journal('agent_sessions').read('e')).length).toBeLessThanOrEqual(4);
  });

  it('applyHistoryMutations replaces every function call with the callId by one replacement at the first place', async () => {
    const s = new AgentstoreSession(store, { sessionId: 'f' });
    await s.addItems([user('1'), call('c1', 'old'), user('2'), call('c1', 'dup'), call('c2', 'keep')]);
    await s.applyHistoryMutations({
      mutations: [{ type: 'replace_function_call', callId: 'c1', replacement: call('c1', 'new') as never }],
    });
    expect(texts(await s.getItems())).toEqual(['1', 'new', '2', 'keep']);
    await expect(s.applyHistoryMutations({ mutations: [{ type: 'nope' }] as never })).rejects.toMatchObject({ code: 'INVALID_VALUE' });
  });
});
