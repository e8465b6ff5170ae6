import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { JsonPlusSerializer, type SerializerProtocol, uuid6 } from '@langchain/langgraph-checkpoint';
import { describe, expect, it } from 'vitest';
import { AGENTSTORE_MIXED_TYPE, AGENTSTORE_TYPE, AgentstoreSaver, AgentstoreSerde } from '../src/index.js';
import { openStore } from './support/stores.js';

const serde = new AgentstoreSerde();
const roundTrip = async (value: unknown) => serde.loadsTyped(...(await serde.dumpsTyped(value)));

describe('AgentstoreSerde', () => {
  it('encodes plain data with the default codec', async () => {
    const [type] = await serde.dumpsTyped({ at: new Date(0), n: 1n });
    expect(type).toBe(AGENTSTORE_TYPE);
    expect(await roundTrip({ at: new Date(0), n: 1n, m: new Map([[1, new Set([2])]]) })).toEqual({
      at: new Date(0),
      n: 1n,
      m: new Map([[1, new Set([2])]]),
    });
  });

  it('hands class instances to the fallback serde and keeps the plain data around them exact', async () => {
    const value = {
      messages: [new HumanMessage('hi'), new AIMessage({ content: 'yo', id: 'm2' })],
      at: new Date(5),
      seen: new Map([['k', new HumanMessage('nested')]]),
    };
    const [type] = await serde.dumpsTyped(value);
    expect(type).toBe(AGENTSTORE_MIXED_TYPE);
    const back = (await roundTrip(value)) as typeof value;
    expect(back.messages[0]).toBeInstanceOf(HumanMessage);
    expect(back.messages[1]).toBeInstanceOf(AIMessage);
    expect(back.messages[1]?.id).toBe('m2');
    expect(back.seen.get('k')).toBeInstanceOf(HumanMessage);
    expect(back.at).toEqual(new Date(5));
    const error = (await roundTrip({ error: new Error('boom') })) as { error: Error };
    expect(error.error).toBeInstanceOf(Error);
    expect(error.error.message).toBe('boom');
  });

  it('cannot be fooled by data shaped like its own markers, nor by a __proto__ key', async () => {
    const tricky = JSON.parse('{"__proto__": {"polluted": true}, "\\u0000agentstore:serde": ["json", "x"]}');
    const alone = { '\u0000agentstore:serde': ['json', new Uint8Array([1])] };
    const escaped = { '\u0000agentstore:escape': 1 };
    const value = { tricky, alone, escaped, msg: new HumanMessage('x') };
    const back = (await roundTrip(value)) as typeof value;
    expect(back.alone).toEqual(alone);
    expect(back.escaped).toEqual(escaped);
    expect(Object.getPrototypeOf(back.tricky)).toBe(Object.prototype);
    expect(Object.hasOwn(back.tricky, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('loads what the stock JsonPlusSerializer wrote', async () => {
    const stock = new JsonPlusSerializer();
    const [type, bytes] = await stock.dumpsTyped({ a: [1, 'two'] });
    expect(await serde.loadsTyped(type, bytes)).toEqual({ a: [1, 'two'] });
  });

  it('rejects a cyclic value instead of storing a placeholder', async () => {
    const cyclic: Record<string, unknown> = { msg: new HumanMessage('x') };
    cyclic.self = cyclic;
    await expect(serde.dumpsTyped(cyclic)).rejects.toMatchObject({ code: 'INVALID_VALUE' });
  });
});

describe('AgentstoreSaver with a serde of its own', () => {
  it('passes every checkpoint, metadata, channel value and write through it', async () => {
    const seen: string[] = [];
    const inner = new JsonPlusSerializer();
    const custom: SerializerProtocol = {
      async dumpsTyped(data) {
        const [type, bytes] = await inner.dumpsTyped(data);
        seen.push(type);
        return [`wrapped-${type}`, bytes];
      },
      loadsTyped: (type, data) => inner.loadsTyped(type.replace(/^wrapped-/, ''), data),
    };
    const { store, destroy } = await openStore('memory');
    try {
      const saver = new AgentstoreSaver(store, { serde: custom });
      const checkpoint = { v: 4, id: uuid6(-1), ts: '', channel_values: { a: 'x' }, channel_versions: { a: 1 }, versions_seen: {} };
      const config = await saver.put(
        { configurable: { thread_id: 't' } },
        checkpoint,
        { source: 'input', step: -1, parents: {} },
        { a: 1 },
      );
      await saver.putWrites(config, [['a', 'y']], 'task');
      const tuple = await saver.getTuple(config);
      expect(tuple?.checkpoint).toEqual(checkpoint);
      expect(tuple?.pendingWrites).toEqual([['task', 'a', 'y']]);
      expect(seen).toHaveLength(4);
    } finally {
      await destroy();
    }
  });
});

describe('AgentstoreSaver with the default serde', () => {
  it('stores plain values whole, class instances through the serde, and carries small values in the record', async () => {
    const { store, destroy } = await openStore('sqlite');
    try {
      const saver = new AgentstoreSaver(store);
      const values = { plain: { n: 1n, at: new Date(0) }, msg: new HumanMessage('hi'), big: 'x'.repeat(5000), gone: undefined };
      const versions = { plain: 1, msg: 1, big: 1, gone: 1 };
      const first = { v: 4, id: uuid6(-1), ts: '', channel_values: values, channel_versions: versions, versions_seen: {} };
      const root = await saver.put({ configurable: { thread_id: 't' } }, first, { source: 'input', step: -1, parents: {} }, versions);
      const kv = store.kv('checkpoints');
      // Only the 5,000-byte value is an entry of its own.
      expect(await kv.get(['t', 3, '', 'big', 1])).toEqual([values.big]);
      expect(await kv.get(['t', 3, '', 'plain', 1])).toBeUndefined();
      const record = (await kv.get(['t', 1, '', first.id])) as { values: Array<[string, unknown[]]>; refs: string[] };
      // Carried: the small plain values (an undefined value is a value) whole, the message as the serde wrote it.
      expect(record.values.map(([channel]) => channel).sort()).toEqual(['gone', 'msg', 'plain']);
      expect(record.values.find(([channel]) => channel === 'plain')?.[1]).toEqual([values.plain]);
      expect(record.values.find(([channel]) => channel === 'msg')?.[1]?.[0]).toBe(AGENTSTORE_MIXED_TYPE);
      expect(record.refs).toEqual(['big']);
      // A second checkpoint changes one channel; it carries the other small ones again and refers to the large one.
      const second = { ...first, id: uuid6(-1), channel_values: { ...values, plain: 'new' }, channel_versions: { ...versions, plain: 2 } };
      await saver.put(root, second, { source: 'loop', step: 0, parents: {} }, { plain: 2 });
      const tuples: Array<Record<string, unknown>> = [];
      for await (const tuple of saver.list({ configurable: { thread_id: 't' } })) tuples.push(tuple.checkpoint.channel_values);
      expect(tuples).toEqual([
        { ...values, plain: 'new' },
        { ...values, msg: expect.any(HumanMessage) },
      ]);
      expect(tuples[0]?.msg).toBeInstanceOf(HumanMessage);
      expect(tuples[0]).toHaveProperty('gone', undefined);
      // Pending writes likewise: a plain value whole, a class instance through the serde, in one putWrites.
      await saver.putWrites(
        root,
        [
          ['plain', { n: 2n }],
          ['msg', new HumanMessage('w')],
        ],
        'task',
      );
      const written = (await kv.get(['t', 1, '', first.id, 'task', 1])) as { value: unknown[] };
      expect(written.value[0]).toBe(AGENTSTORE_MIXED_TYPE);
      expect((await kv.get(['t', 1, '', first.id, 'task', 0])) as { value: unknown[] }).toMatchObject({ value: [{ n: 2n }] });
      const pending = (await saver.getTuple(root))?.pendingWrites ?? [];
      expect(pending.map(([, channel]) => channel)).toEqual(['plain', 'msg']);
      expect(pending[0]?.[2]).toEqual({ n: 2n });
      expect(pending[1]?.[2]).toBeInstanceOf(HumanMessage);
    } finally {
      await destroy();
    }
  });

  it('sends every value of a subclass of AgentstoreSerde through its methods', async () => {
    const seen: string[] = [];
    class Counting extends AgentstoreSerde {
      override async dumpsTyped(data: unknown): Promise<[string, Uint8Array]> {
        const out = await super.dumpsTyped(data);
        seen.push(out[0]);
        return out;
      }
    }
    const { store, destroy } = await openStore('memory');
    try {
      const saver = new AgentstoreSaver(store, { serde: new Counting() });
      const checkpoint = { v: 4, id: uuid6(-1), ts: '', channel_values: { a: 1 }, channel_versions: { a: 1 }, versions_seen: {} };
      const config = await saver.put(
        { configurable: { thread_id: 't' } },
        checkpoint,
        { source: 'input', step: -1, parents: {} },
        { a: 1 },
      );
      expect(seen).toEqual([AGENTSTORE_TYPE, AGENTSTORE_TYPE, AGENTSTORE_TYPE]);
      expect((await saver.getTuple(config))?.checkpoint).toEqual(checkpoint);
    } finally {
      await destroy();
    }
  });
});
