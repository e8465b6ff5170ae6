import { type BaseCheckpointSaver, type Checkpoint, MemorySaver, uuid6 } from '@langchain/langgraph-checkpoint';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentstoreSaver } from '../src/index.js';
import { openStore } from './support/stores.js';

// Each case: a channel value, and what the stock savers (SqliteSaver and MemorySaver share LangGraph's
// JsonPlusSerializer) hand back for it. AgentstoreSaver hands back the value itself.
const cases: Array<{ name: string; value: () => unknown; stock: (back: unknown) => void }> = [
  {
    name: 'BigInt',
    value: () => ({ tokens: 12345678901234567890n }),
    // JSON.stringify throws on a BigInt; the serializer swallows it and stores a placeholder string
    // instead of the WHOLE checkpoint, so the put "succeeds" and every channel is gone.
    stock: (back) => expect(back).toBe('[unable to serialize, circular reference is too complex to analyze]'),
  },
  {
    name: 'Date',
    value: () => new Date('2026-11-05T10:00:00.000Z'),
    stock: (back) => expect(back).toBe('2026-11-05T10:00:00.000Z'),
  },
  {
    name: 'Map with non-string keys',
    value: () =>
      new Map<unknown, unknown>([
        [1, 'one'],
        [new Date(0), 'epoch'],
      ]),
    stock: (back) => expect([...(back as Map<unknown, unknown>).keys()]).toEqual([1, '1970-01-01T00:00:00.000Z']),
  },
  {
    name: 'Set of Dates',
    value: () => new Set([new Date(0)]),
    stock: (back) => expect([...(back as Set<unknown>)]).toEqual(['1970-01-01T00:00:00.000Z']),
  },
  {
    name: 'Float32Array',
    value: () => new Float32Array([0.5, -1.25, 3]),
    stock: (back) => expect(back).toEqual({ 0: 0.5, 1: -1.25, 2: 3 }),
  },
  {
    name: 'BigInt64Array',
    value: () => ({ ids: new BigInt64Array([1n, -2n]) }),
    stock: (back) => expect(back).toBe('[unable to serialize, circular reference is too complex to analyze]'),
  },
  {
    name: 'NaN, -0 and undefined in arrays',
    value: () => [Number.NaN, -0, undefined],
    stock: (back) => expect(back).toEqual([null, 0, undefined]),
  },
];

function checkpointOf(value: unknown): Checkpoint {
  return {
    v: 4,
    id: uuid6(-1),
    ts: new Date().toISOString(),
    channel_values: { value },
    channel_versions: { value: 1 },
    versions_seen: {},
  };
}

/** Puts one checkpoint holding `value` and reads it back: the channel value, or the whole checkpoint when that is not an object. */
async function roundTrip(saver: BaseCheckpointSaver, value: unknown): Promise<unknown> {
  const checkpoint = checkpointOf(value);
  const config = await saver.put(
    { configurable: { thread_id: `t-${uuid6(-1)}`, checkpoint_ns: '' } },
    checkpoint,
    { source: 'input', step: -1, parents: {} },
    { value: 1 },
  );
  const back = (await saver.getTuple(config))?.checkpoint as unknown;
  return typeof back === 'object' && back !== null ? (back as Checkpoint).channel_values.value : back;
}

describe('values the stock serializer corrupts, next to what the stock savers return', () => {
  let ours: AgentstoreSaver;
  let destroy: () => Promise<void>;
  const sqlite = SqliteSaver.fromConnString(':memory:');
  const memory = new MemorySaver();

  beforeAll(async () => {
    const opened = await openStore('sqlite');
    destroy = opened.destroy;
    ours = new AgentstoreSaver(opened.store);
  });
  afterAll(async () => destroy());

  for (const { name, value, stock } of cases) {
    it(`${name}: exact through AgentstoreSaver, changed by SqliteSaver and MemorySaver`, async () => {
      const back = await roundTrip(ours, value());
      expect(back).toEqual(value());
      expect(Object.prototype.toString.call(back)).toBe(Object.prototype.toString.call(value()));
      stock(await roundTrip(sqlite, value()));
      stock(await roundTrip(memory, value()));
    });
  }

  it('keeps -0 and NaN exactly (toEqual cannot tell -0 from 0)', async () => {
    const back = (await roundTrip(ours, [Number.NaN, -0])) as number[];
    expect(Object.is(back[0], Number.NaN)).toBe(true);
    expect(Object.is(back[1], -0)).toBe(true);
  });
});
