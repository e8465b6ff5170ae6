import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { Annotation, Command, END, interrupt, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { MemorySaver } from '@langchain/langgraph-checkpoint';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentstoreSaver } from '../src/index.js';
import { ADAPTERS, openStore } from './support/stores.js';

const State = Annotation.Root({
  ...MessagesAnnotation.spec,
  startedAt: Annotation<Date | undefined>(),
  seen: Annotation<Set<string>>({ reducer: (a, b) => new Set([...a, ...b]), default: () => new Set() }),
  steps: Annotation<bigint>({ reducer: (a, b) => a + b, default: () => 0n }),
});

// The same state without the BigInt channel, for the stock saver: a BigInt anywhere in the state
// makes its serializer drop the whole checkpoint.
const { steps: _, ...withoutBigInt } = State.spec;
const StockState = Annotation.Root(withoutBigInt);

function buildGraph(bigints = true) {
  const step = bigints ? { steps: 1n } : {};
  return new StateGraph((bigints ? State : StockState) as typeof State)
    .addNode('greet', (s) => ({
      messages: [new AIMessage(`hello ${s.messages.length}`)],
      startedAt: new Date(0),
      seen: new Set(['greet']),
      ...step,
    }))
    .addNode('ask', () => {
      const answer = interrupt('name?') as string;
      return { messages: [new HumanMessage(answer)], seen: new Set(['ask']), ...step };
    })
    .addNode('finish', () => ({ messages: [new AIMessage('bye')], seen: new Set(['finish']), ...step }))
    .addEdge(START, 'greet')
    .addEdge('greet', 'ask')
    .addEdge('ask', 'finish')
    .addEdge('finish', END);
}

describe.each(ADAPTERS)('a StateGraph checkpointed by AgentstoreSaver on %s', (adapter) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  it('interrupts, resumes in a new saver, and keeps messages, Dates, Sets and BigInts', async () => {
    const { store, destroy } = await openStore(adapter);
    cleanup.push(destroy);
    const config = { configurable: { thread_id: 'chat-1' } };

    const first = buildGraph().compile({ checkpointer: new AgentstoreSaver(store) });
    await first.invoke({ messages: [new HumanMessage('hi')] }, config);
    const paused = await first.getState(config);
    expect(paused.next).toEqual(['ask']);
    expect(paused.tasks[0]?.interrupts[0]?.value).toBe('name?');

    // A second saver on the same store stands in for a restarted process.
    const second = buildGraph().compile({ checkpointer: new AgentstoreSaver(store) });
    const done = await second.invoke(new Command({ resume: 'Ada' }), config);
    expect(done.messages.map((m: { content: unknown }) => m.content)).toEqual(['hi', 'hello 1', 'Ada', 'bye']);
    expect(done.messages[0]).toBeInstanceOf(HumanMessage);
    expect(done.messages[1]).toBeInstanceOf(AIMessage);
    expect(done.startedAt).toEqual(new Date(0));
    expect(done.seen).toEqual(new Set(['greet', 'ask', 'finish']));
    expect(done.steps).toBe(3n);

    const history = [];
    for await (const snapshot of second.getStateHistory(config)) history.push(snapshot);
    // The same run on LangGraph's MemorySaver leaves the same history.
    const reference = buildGraph(false).compile({ checkpointer: new MemorySaver() });
    await reference.invoke({ messages: [new HumanMessage('hi')] }, config);
    await reference.invoke(new Command({ resume: 'Ada' }), config);
    const expected = [];
    for await (const snapshot of reference.getStateHistory(config)) expected.push(snapshot);
    expect(history.map((h) => [h.metadata?.source, h.metadata?.step, h.next])).toEqual(
      expected.map((h) => [h.metadata?.source, h.metadata?.step, h.next]),
    );
    expect(history.length).toBeGreaterThan(3);
    const limited = [];
    for await (const snapshot of second.getStateHistory(config, { limit: 2 })) limited.push(snapshot.metadata?.step);
    expect(limited).toEqual(history.slice(0, 2).map((h) => h.metadata?.step));
  });
});
