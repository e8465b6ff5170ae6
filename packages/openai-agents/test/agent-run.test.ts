import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore } from '@agentstore/core';
import type { AgentInputItem } from '@openai/agents-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentstoreSession } from '../src/index.js';
import { runFixture } from './support/processes.js';

interface Turn {
  finalOutput: string;
  requests: AgentInputItem[][];
}

async function turn(dataDir: string, sessionId: string, input: string): Promise<Turn> {
  return JSON.parse(await runFixture('chat-turn.ts', [dataDir, sessionId, input])) as Turn;
}

async function storedItems(dataDir: string, sessionId: string): Promise<AgentInputItem[]> {
  const store = await createStore({ dataDir, adapters: [sqliteAdapter] });
  try {
    return await new AgentstoreSession(store, { sessionId }).getItems();
  } finally {
    await store.close();
  }
}

describe('an Agent run() with AgentstoreSession over two processes on SQLite', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentstore-openai-agents-'));
  });
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  it('continues one conversation: the second process sends the first one’s items to the model', async () => {
    const first = await turn(dataDir, 'chat-1', 'please remember my name is Ada');
    expect(first.finalOutput).toBe('noted Ada');
    expect(first.requests).toHaveLength(2); // the tool call, then the answer to its result

    const afterFirst = await storedItems(dataDir, 'chat-1');
    expect(afterFirst.map((i) => i.type ?? 'message')).toEqual(['message', 'function_call', 'function_call_result', 'message']);
    // What was stored is exactly what the runner sent the model in the first process.
    expect(afterFirst.slice(0, 3)).toEqual(first.requests[1]);

    const second = await turn(dataDir, 'chat-1', 'what is my name?');
    expect(second.requests).toHaveLength(1);
    const sent = second.requests[0] as AgentInputItem[];
    expect(sent.slice(0, 4)).toEqual(afterFirst);
    expect(second.finalOutput).toBe('you said "what is my name?"; remembered: ["Ada"]; history: 4 items');

    const afterSecond = await storedItems(dataDir, 'chat-1');
    expect(afterSecond).toHaveLength(6);
    expect(afterSecond.slice(0, 4)).toEqual(afterFirst);
    expect(afterSecond[4]).toEqual(sent[4]);
    expect(afterSecond[5]).toMatchObject({ role: 'assistant', content: [{ type: 'output_text', text: second.finalOutput }] });
    // Another session id on the same store has no history.
    expect(await storedItems(dataDir, 'chat-2')).toEqual([]);
  });
});
