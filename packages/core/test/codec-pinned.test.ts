import { describe, expect, it } from 'vitest';
import { defaultCodec } from '../src/codec/index.js';
import { ENCODE_TAGGED, type TaggedEncoder } from '../src/codec/tagged.js';
import { StoreError } from '../src/errors.js';

// Stored data outlives the code that wrote it: these bytes are what format version 1's encoder wrote
// before its object path was made faster (commit 62380fb); every later encoder must write them exactly,
// and the decoder must read them back.
const hole: unknown[] = [1];
hole[2] = 3;
const nullProto = Object.assign(Object.create(null), { z: 1, a: 2 });
const protoKey = JSON.parse('{"__proto__":{"polluted":true},"k":[]}');
const nonEnum = { shown: 1 };
Object.defineProperty(nonEnum, 'hidden', { value: 2, enumerable: false });
const cases: Record<string, unknown> = {
  checkpoint: {
    v: 4,
    id: '1ef4-abc',
    ts: '2026-12-06T00:00:00.000Z',
    channel_values: { messages: [{ role: 'user', content: 'message 3.0 '.repeat(8) }], step: 3 },
    channel_versions: { messages: 4, step: 4 },
    versions_seen: { agent: { messages: 3 } },
    pending_sends: [],
  },
  numbers: [0, 127, 128, -1, -128, -129, 2147483647, -2147483648, 2147483648, 1.5, -0, Number.NaN, Number.POSITIVE_INFINITY],
  strings: ['', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(200), 'héllo ✓ 😀', 'lone \uD800 surrogate', 'é'.repeat(20)],
  objects: { nullProto, protoKey, nonEnum, hole, empty: {}, '': 'empty key', ключ: 'non-ASCII key', ['k'.repeat(40)]: 1 },
  kinds: [
    undefined,
    null,
    true,
    false,
    10n,
    -(2n ** 70n),
    0n,
    new Date(0),
    new Date(Number.NaN),
    /a+b/giu,
    new Map<unknown, unknown>([
      [1, 'a'],
      ['b', { c: 2 }],
    ]),
    new Set([1, 'x']),
    new ArrayBuffer(3),
    Uint16Array.of(1, 2),
    Buffer.from('buf'),
    new DataView(Uint8Array.of(9, 8).buffer),
  ],
};

const PINNED: Record<string, string> = {
  checkpoint:
    '01110741768442696448316566342d61626342747358323032362d31322d30365430303a30303a30302e3030305a4e6368616e6e656c5f76616c7565731102486d657373616765731001110244726f6c65447573657247636f6e74656e7407606d65737361676520332e30206d65737361676520332e30206d65737361676520332e30206d65737361676520332e30206d65737361676520332e30206d65737361676520332e30206d65737361676520332e30206d65737361676520332e3020447374657083506368616e6e656c5f76657273696f6e731102486d65737361676573844473746570844d76657273696f6e735f7365656e1101456167656e741101486d65737361676573834d70656e64696e675f73656e64731000',
  numbers:
    '01100d80ff058000000004ff0480057fffffff05ffffff7f050000008006000000000000e04106000000000000f83f06000000000000008006000000000000f87f06000000000000f07f',
  strings:
    '011007405f787878787878787878787878787878787878787878787878787878787878780720797979797979797979797979797979797979797979797979797979797979797907c8017a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a4f68c3a96c6c6f20e29c9320f09f988008106c006f006e006500200000d8200073007500720072006f0067006100740065000728c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
  objects:
    '011108496e756c6c50726f746f1102417a814161824870726f746f4b65791102495f5f70726f746f5f5f110148706f6c6c7574656403416b1000476e6f6e456e756d11014573686f776e8144686f6c65100381008345656d70747911004049656d707479206b657948d0bad0bbd18ed1874d6e6f6e2d4153434949206b657907286b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b81',
  kinds:
    '0110100001030209010a0a0940000000000000000009000b00000000000000000b000000000000f87f0c43612b62436769751202814161416211014163821302814178140300000015040401000200150103627566150b020908',
  tagged:
    '0701110741768442696448316566342d61626342747358323032362d31322d30365430303a30303a30302e3030305a4e6368616e6e656c5f76616c7565731102486d657373616765731001110244726f6c65447573657247636f6e74656e7407606d65737361676520332e30206d65737361676520332e30206d65737361676520332e30206d65737361676520332e30206d65737361676520332e30206d65737361676520332e30206d65737361676520332e30206d65737361676520332e3020447374657083506368616e6e656c5f76657273696f6e731102486d65737361676573844473746570844d76657273696f6e735f7365656e1101456167656e741101486d65737361676573834d70656e64696e675f73656e64731000',
};

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('defaultCodec encodings are pinned', () => {
  for (const [name, value] of Object.entries(cases)) {
    it(`encodes ${name} to the pinned bytes and decodes them back`, () => {
      expect(hex(defaultCodec.encode(value))).toBe(PINNED[name]);
      const again = defaultCodec.decode(Buffer.from(PINNED[name] as string, 'hex'));
      expect(hex(defaultCodec.encode(again))).toBe(PINNED[name]);
    });
  }

  it('writes the same bytes after a record tag on the tagged fast path', () => {
    const tagged = (defaultCodec as unknown as TaggedEncoder<unknown>)[ENCODE_TAGGED](cases.checkpoint, 7, 1 << 20);
    expect(hex(tagged)).toBe(PINNED.tagged);
    expect(PINNED.tagged).toBe(`07${PINNED.checkpoint}`);
  });
});

describe('defaultCodec reads plain objects without running user code', () => {
  const refused = (value: unknown, reason: RegExp): void => {
    let caught: unknown;
    try {
      defaultCodec.encode(value);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).code).toBe('INVALID_VALUE');
    expect((caught as StoreError).message).toMatch(reason);
  };

  it('refuses a getter without calling it, wherever it sits', () => {
    let calls = 0;
    const literal = {
      a: 1,
      get b() {
        calls++;
        return 2;
      },
    };
    const defined = Object.defineProperty({ a: 1 }, 'b', { get: () => ++calls, enumerable: true });
    const nullProto = Object.defineProperty(Object.create(null) as object, 'x', { get: () => ++calls, enumerable: true });
    for (const value of [literal, { deep: [defined] }, nullProto]) refused(value, /accessor/);
    expect(calls).toBe(0);
  });

  it('refuses a setter-only property and a non-enumerable symbol key', () => {
    refused(Object.defineProperty({}, 's', { set: () => undefined, enumerable: true }), /accessor/);
    refused(Object.defineProperty({ a: 1 }, Symbol('hidden'), { value: 1, enumerable: false }), /symbol-keyed/);
  });
});
