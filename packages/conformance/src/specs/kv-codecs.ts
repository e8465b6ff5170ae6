import { jsonCodec, rawCodec, zodCodec } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { collect, expectCode, expectPlainBytes, type Harness } from '../harness.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Values the default codec must round-trip (SPEC §3). */
function roundTripValues(): Array<[string, unknown]> {
  const withUndefined: Record<string, unknown> = { a: undefined, b: 1 };
  return [
    ['object', { a: 1, b: 'two', c: [1, 2, { d: null }], e: { f: { g: true } } }],
    ['array', [1, 'x', null, false, [2, [3]]]],
    ['string', 'hello'],
    ['empty string', ''],
    ['unicode string', 'é😀\0\uFFFF'],
    ['integer', 42],
    ['fraction', -1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['max value', Number.MAX_VALUE],
    ['null', null],
    ['true', true],
    ['false', false],
    ['bigint', 12345678901234567890123n],
    ['negative bigint', -(2n ** 70n)],
    ['Date', new Date(1_700_000_000_123)],
    [
      'Map',
      new Map<unknown, unknown>([
        [1, 'a'],
        ['k', { x: [1] }],
        [null, new Set([1])],
      ]),
    ],
    ['Set', new Set<unknown>([1, 'a', { b: 2 }])],
    ['RegExp', /ab+c\/d/gi],
    ['Uint8Array', new Uint8Array([0, 1, 254, 255])],
    ['empty Uint8Array', new Uint8Array(0)],
    ['Int8Array', new Int8Array([-128, 0, 127])],
    ['Uint8ClampedArray', new Uint8ClampedArray([0, 255])],
    ['Int16Array', new Int16Array([-32768, 32767])],
    ['Uint16Array', new Uint16Array([65535])],
    ['Int32Array', new Int32Array([-1, 2 ** 31 - 1])],
    ['Uint32Array', new Uint32Array([2 ** 32 - 1])],
    ['Float32Array', new Float32Array([1.5, -0.25])],
    ['Float64Array', new Float64Array([Math.PI, Number.NaN])],
    ['BigInt64Array', new BigInt64Array([-(2n ** 63n), 1n])],
    ['BigUint64Array', new BigUint64Array([2n ** 64n - 1n])],
    ['undefined in array', [1, undefined, 3]],
    ['undefined in object', withUndefined],
    ['nested mix', { when: new Date(0), tags: new Set(['a']), index: new Map([['k', [new Uint8Array([1]), 2n]]]), re: [/x/m] }],
  ];
}

/** SPEC §3: the default, JSON, raw and zod codecs through put/get on the adapter. */
export function kvCodecsSpec(h: Harness): void {
  describe('kv codecs', () => {
    it('the default codec round-trips what structured clone does on plain data', async () => {
      const kv = (await h.open()).kv<unknown>('dflt');
      const values = roundTripValues();
      for (const [label, v] of values) await kv.put(label, v);
      for (const [label, v] of values) {
        const back = await kv.get(label);
        expect(back, label).toStrictEqual(v);
        if (v !== null && typeof v === 'object') {
          expect(Object.getPrototypeOf(back), `${label} prototype`).toBe(Object.getPrototypeOf(v));
        }
      }
      const obj = (await kv.get('undefined in object')) as Record<string, unknown>;
      expect(Object.keys(obj)).toEqual(['a', 'b']);
      const arr = (await kv.get('undefined in array')) as unknown[];
      expect(1 in arr).toBe(true);
    });

    it('keeps -0 and returns plain bytes', async () => {
      const kv = (await h.open()).kv<unknown>('negzero');
      await kv.put('z', -0);
      await kv.put('zs', [-0, { n: -0 }]);
      expect(Object.is(await kv.get('z'), -0)).toBe(true);
      const zs = (await kv.get('zs')) as [number, { n: number }];
      expect(Object.is(zs[0], -0)).toBe(true);
      expect(Object.is(zs[1].n, -0)).toBe(true);
      const view = new Uint8Array(new Uint8Array([9, 8, 7, 6, 5]).buffer, 1, 3);
      await kv.put('bytes', view);
      const back = await kv.get('bytes');
      expectPlainBytes(back);
      expect(Array.from(back as Uint8Array)).toEqual([8, 7, 6]);
      const [[, fromScan]] = (await collect(kv.entries({ prefix: 'bytes' }))) as [[string, unknown]];
      expectPlainBytes(fromScan);
    });

    it('__proto__ stays a plain key and Object.prototype is untouched', async () => {
      const kv = (await h.open()).kv<unknown>('proto');
      const value = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"bad": 1}}, "x": 1}');
      await kv.put('p', value);
      await kv.put('m', new Map([['__proto__', 1]]));
      const back = (await kv.get('p')) as Record<string, unknown>;
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(Object.getOwnPropertyNames(back).sort()).toEqual(['__proto__', 'constructor', 'x']);
      expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: 1 });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).bad).toBeUndefined();
      expect((back as { polluted?: unknown }).polluted).toBeUndefined();
      expect(await kv.get('m')).toEqual(new Map([['__proto__', 1]]));
    });

    it('rejects functions, symbols and class instances with INVALID_VALUE naming the path', async () => {
      const kv = (await h.open()).kv<unknown>('reject');
      const bad: Array<[string, unknown]> = [
        ['function', { outerKey: { innerKey: [0, () => 1] } }],
        ['symbol', { outerKey: { innerKey: [0, Symbol('s')] } }],
        ['class instance', { outerKey: { innerKey: [0, new Point(1, 2)] } }],
      ];
      for (const [label, v] of bad) {
        const err = await expectCode(kv.put(label, v), 'INVALID_VALUE');
        expect(err.message, label).toContain('outerKey');
        expect(err.message, label).toContain('innerKey');
        expect(await kv.has(label)).toBe(false);
      }
      await expectCode(
        kv.put('top', () => 1),
        'INVALID_VALUE',
      );
      await expectCode(kv.put('weak', new WeakMap()), 'INVALID_VALUE');
      expect(await kv.count()).toBe(0);
    });

    it('rawCodec stores bytes and returns plain Uint8Arrays', async () => {
      const kv = (await h.open()).kv<Uint8Array>('raw', { codec: rawCodec });
      const data = new Uint8Array(300).map((_, i) => i & 0xff);
      await kv.put('b', data);
      await kv.put('empty', new Uint8Array(0));
      await kv.put('view', data.subarray(10, 20));
      const back = await kv.get('b');
      expectPlainBytes(back);
      expect(back).toEqual(data);
      expect(await kv.get('empty')).toEqual(new Uint8Array(0));
      expect(Array.from((await kv.get('view')) as Uint8Array)).toEqual(Array.from(data.subarray(10, 20)));
      for (const [, v] of await collect(kv.entries())) expectPlainBytes(v);
      for (const v of await kv.getMany(['b', 'view'])) expectPlainBytes(v);
      // What a get returns is the caller's: changing it changes nothing stored (with a TTL record too).
      (back as Uint8Array).fill(0);
      expect(await kv.get('b')).toEqual(data);
      await kv.put('timed', data, { ttlMs: 3_600_000 });
      const timed = (await kv.get('timed')) as Uint8Array;
      expectPlainBytes(timed);
      expect(timed).toEqual(data);
      timed.fill(1);
      expect(await kv.get('timed')).toEqual(data);
      await expectCode(kv.put('s', 'not bytes' as unknown as Uint8Array), 'INVALID_VALUE');
      expect(await kv.has('s')).toBe(false);
    });

    it('jsonCodec round-trips JSON and rejects what JSON would not round-trip', async () => {
      const kv = (await h.open()).kv<unknown>('json', { codec: jsonCodec });
      const ok = { a: [1, 'x', null, true], b: { c: 1.5, d: '' } };
      await kv.put('ok', ok);
      expect(await kv.get('ok')).toStrictEqual(ok);
      const bad: Array<[string, unknown]> = [
        ['NaN', Number.NaN],
        ['Infinity', Number.POSITIVE_INFINITY],
        ['-0', -0],
        ['nested NaN', { a: [Number.NaN] }],
        ['Date', new Date(0)],
        ['Map', new Map()],
        ['Set', new Set()],
        ['undefined', undefined],
        ['undefined in object', { a: undefined }],
        ['undefined in array', [undefined]],
        ['BigInt', 1n],
        ['function', { f: () => 1 }],
        ['bytes', new Uint8Array([1])],
      ];
      for (const [label, v] of bad) {
        await expectCode(kv.put(label, v), 'INVALID_VALUE').catch((e) => {
          throw new Error(`${label}: ${(e as Error).message}`);
        });
        expect(await kv.has(label)).toBe(false);
      }
    });

    it('a value read stays intact through later reads, whatever the codec keeps of the bytes it decodes', async () => {
      const store = await h.open();
      const a = new Uint8Array(300).fill(0xaa);
      const b = new Uint8Array(300).fill(0xbb);
      // A user codec may keep views of what it is given: it must be given bytes no later read reuses.
      const keeping = { name: 'keeping', encode: (v: Uint8Array) => v, decode: (bytes: Uint8Array) => bytes };
      const handles = [
        store.kv<Uint8Array>('intact', { codec: rawCodec }),
        store.kv<Uint8Array>('intact', { codec: keeping }),
        store.kv<unknown>('intact_default'),
      ] as const;
      await handles[0].put('a', a);
      await handles[0].put('b', b);
      await handles[2].put('a', { bytes: a, text: 'a'.repeat(100) });
      await handles[2].put('b', { bytes: b, text: 'b'.repeat(100) });
      for (const kv of handles) {
        const first = await kv.get('a');
        const second = await kv.get('b');
        await kv.get('missing');
        const decoded = [first, second].map((v) => (v instanceof Uint8Array ? v : (v as { bytes: Uint8Array }).bytes));
        // The user codec sees the whole record (its tag first): compare the value's bytes only.
        expect(Array.from((decoded[0] as Uint8Array).subarray(-300))).toEqual(Array.from(a));
        expect(Array.from((decoded[1] as Uint8Array).subarray(-300))).toEqual(Array.from(b));
      }
    });

    it('zodCodec validates on put and fails with DECODE on data that no longer fits', async () => {
      const store = await h.open();
      const v1 = z.object({ step: z.number().int(), messages: z.array(z.string()) });
      const v2 = z.object({ step: z.number().int(), messages: z.array(z.object({ role: z.string() })) });
      const kv1 = store.kv('typed', { codec: zodCodec(v1) });
      await kv1.put('s', { step: 1, messages: ['hi'] });
      expect(await kv1.get('s')).toEqual({ step: 1, messages: ['hi'] });
      await expectCode(kv1.put('bad', { step: 'x', messages: [] } as unknown as z.infer<typeof v1>), 'INVALID_VALUE');
      expect(await kv1.has('bad')).toBe(false);
      const kv2 = store.kv('typed', { codec: zodCodec(v2) });
      const err = await expectCode(kv2.get('s'), 'DECODE');
      expect(err.message).toContain('messages');
    });
  });
}
