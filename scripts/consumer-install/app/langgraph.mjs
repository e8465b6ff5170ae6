// A LangGraph StateGraph checkpointed through AgentstoreSaver, run in two processes on one thread:
// `start` runs until the interrupt before `act`; `resume` (a new process) continues the same thread.
// Usage: node langgraph.mjs <dataDir> start|resume. Prints one JSON line; exits non-zero on a mismatch.
import assert from 'node:assert/strict';
import { levelAdapter } from '@agentstore/adapter-level';
import { lmdbAdapter } from '@agentstore/adapter-lmdb';
import { sqliteAdapter } from '@agentstore/adapter-sqlite';
import { createStore } from '@agentstore/core';
import { AgentstoreSaver } from '@agentstore/langgraph';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';

const [dataDir, phase] = process.argv.slice(2);
const store = await createStore({
  dataDir,
  adapters: [sqliteAdapter, lmdbAdapter, levelAdapter],
  domains: { checkpoints: { adapter: 'lmdb' }, checkpoint_writes: { adapter: 'level' } },
});
const State = Annotation.Root({
  steps: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
const graph = new StateGraph(State)
  .addNode('plan', () => ({ steps: [`plan@${process.pid}`] }))
  .addNode('act', () => ({ steps: [`act@${process.pid}`] }))
  .addEdge(START, 'plan')
  .addEdge('plan', 'act')
  .addEdge('act', END)
  .compile({ checkpointer: new AgentstoreSaver(store), interruptBefore: ['act'] });
const config = { configurable: { thread_id: 'consumer-thread' } };

let result;
if (phase === 'start') {
  result = await graph.invoke({ steps: [] }, config);
  assert.deepEqual(result.steps, [`plan@${process.pid}`]);
  assert.deepEqual((await graph.getState(config)).next, ['act']);
} else {
  const before = await graph.getState(config);
  assert.deepEqual(before.next, ['act'], 'the new process finds the thread stopped before act');
  assert.equal(before.values.steps.length, 1);
  assert.match(before.values.steps[0], /^plan@\d+$/);
  assert.notEqual(before.values.steps[0], `plan@${process.pid}`, 'plan ran in the first process');
  result = await graph.invoke(null, config);
  assert.deepEqual(result.steps, [before.values.steps[0], `act@${process.pid}`]);
  assert.deepEqual((await graph.getState(config)).next, []);
}
let checkpoints = 0;
for await (const _ of graph.checkpointer.list(config)) checkpoints++;
await store.close();
console.log(JSON.stringify({ ok: true, phase, steps: result.steps, checkpoints }));
