/**
 * standardCodec / zodCodec take any Standard Schema: the same behaviour with zod 4, zod 3 (the real
 * 3.25 package, installed as `zod3`) and valibot, through a real store.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z as z4 } from 'zod';
import { z as z3 } from 'zod3';
import { type Codec, createStore, StoreError, standardCodec, zodCodec } from '../src/index.js';

interface Run {
  name: string;
  n: number;
}

/** One library's schemas: v1 `{ name, n }`, and v2 which also requires `extra`. */
interface Flavour {
  readonly v1: Parameters<typeof standardCodec>[0];
  readonly v2: Parameters<typeof standardCodec>[0];
}

const flavours: Array<[string, Flavour]> = [
  [
    'zod 4',
    {
      v1: z4.object({ name: z4.string(), n: z4.number() }),
      v2: z4.object({ name: z4.string(), n: z4.number(), extra: z4.string() }),
    },
  ],
  [
    'zod 3',
    {
      v1: z3.object({ name: z3.string(), n: z3.number() }),
      v2: z3.object({ name: z3.string(), n: z3.number(), extra: z3.string() }),
    },
  ],
  [
    'valibot',
    {
      v1: v.object({ name: v.string(), n: v.number() }),
      v2: v.object({ name: v.string(), n: v.number(), extra: v.string() }),
    },
  ],
];

async function errorOf(promise: Promise<unknown>): Promise<StoreError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

describe.each(flavours)('standardCodec with %s', (_label, { v1, v2 }) => {
  it('stores what fits, refuses what does not (INVALID_VALUE, naming the path) and fails with DECODE on data that no longer fits', async () => {
    const store = await createStore({ default: { adapter: 'memory' } });
    try {
      const runs = store.kv('runs', { codec: standardCodec(v1) as Codec<Run> });
      await runs.put('a', { name: 'first', n: 1 });
      expect(await runs.get('a')).toEqual({ name: 'first', n: 1 });

      const bad = await errorOf(runs.put('b', { name: 'second', n: 'two' } as unknown as Run));
      expect(bad.code).toBe('INVALID_VALUE');
      expect(bad.message).toContain('$.n');
      expect(await runs.get('b')).toBeUndefined();

      const upgraded = store.kv('runs', { codec: zodCodec(v2) });
      const stale = await errorOf(upgraded.get('a'));
      expect(stale.code).toBe('DECODE');
      expect(stale.message).toContain('$.extra');
    } finally {
      await store.close();
    }
  });
});

describe('standardCodec', () => {
  it('stores the schema output (zod transforms and defaults apply before encoding)', () => {
    const codec = standardCodec(z4.object({ name: z4.string().trim(), tags: z4.array(z4.string()).default([]) }));
    expect(codec.decode(codec.encode({ name: '  x  ' } as never))).toEqual({ name: 'x', tags: [] });
  });

  it('infers the value type from the schema (zod 3 and valibot too)', () => {
    const fromZod3 = zodCodec(z3.object({ n: z3.number() }));
    const fromValibot = standardCodec(v.object({ n: v.number() }));
    const a: { n: number } = fromZod3.decode(fromZod3.encode({ n: 1 }));
    const b: { n: number } = fromValibot.decode(fromValibot.encode({ n: 2 }));
    expect([a.n, b.n]).toEqual([1, 2]);
  });

  it('refuses a schema that validates asynchronously with UNSUPPORTED, and something that is no schema with INVALID_OPTIONS', () => {
    const codec = standardCodec(z4.string().refine(async () => true));
    expect(() => codec.encode('x')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
    expect(() => standardCodec({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});
