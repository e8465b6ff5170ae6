/**
 * Issue 4, item 4: hostile inputs, one row each, run against every adapter by `hostile-inputs.test.ts`.
 * A row either expects a specific `StoreError` code, or (`expect: 'ok'`) that the input is treated as
 * plain data: then `run` checks the outcome itself and throws when it is wrong.
 *
 * The store a row gets routes every domain to the adapter under test and holds, before any row runs:
 * kv domain `seeded` (`'present'` → `'value'`), checkpoints domain `graphs` (trace `t1`: two saves with
 * metadata `{ step: 1 }` and `{ step: 2 }`), kv domain `small` and checkpoints domain `small_cp` with
 * `maxValueBytes: 1024`, and kv domain `tally` (counters).
 */
import type { ErrorCode, Key, Store } from '@agentstore/core';
import { jsonCodec } from '@agentstore/core';

/** What a row runs against. */
export interface HostileContext {
  readonly store: Store;
  /** The adapter under test (`memory`, `sqlite`, `lmdb`, `level`). */
  readonly adapter: string;
  /** The directory holding dataDir: nothing may appear in it besides dataDir. */
  readonly parent: string;
}

/** One hostile input. */
export interface HostileCase {
  readonly group: 'domain name' | 'key' | 'value' | 'counter' | 'checkpoint' | 'filter' | 'options';
  readonly name: string;
  readonly expect: ErrorCode | 'ok';
  readonly run: (ctx: HostileContext) => Promise<unknown>;
}

const check = (ok: boolean, what: string): void => {
  if (!ok) throw new Error(`hostile input not treated as data: ${what}`);
};

function cyclicArray(): Key {
  const a: unknown[] = ['x'];
  a.push(a);
  return a as Key;
}

function cyclicObject(): Record<string, unknown> {
  const o: Record<string, unknown> = { name: 'loop' };
  o.self = o;
  return o;
}

class Secret {
  readonly token = 'abc';
}

const domainName = (name: string): HostileCase => ({
  group: 'domain name',
  name: JSON.stringify(name).slice(0, 60),
  expect: 'INVALID_DOMAIN',
  run: ({ store }) => store.kv(name).put('k', 1),
});

const badKey = (name: string, key: () => unknown): HostileCase => ({
  group: 'key',
  name,
  expect: 'INVALID_KEY',
  run: ({ store }) => store.kv('seeded').put(key() as Key, 'v'),
});

const badValue = (name: string, value: () => unknown): HostileCase => ({
  group: 'value',
  name,
  expect: 'INVALID_VALUE',
  run: ({ store }) => store.kv('seeded').put(['hostile', name], value()),
});

const badCounter = (name: string, op: () => unknown, before?: number): HostileCase => ({
  group: 'counter',
  name,
  expect: 'INVALID_VALUE',
  run: async ({ store }) => {
    const tally = store.kv<number>('tally');
    const key = ['c', name];
    if (before !== undefined) await tally.updateCounter(key, before);
    try {
      await tally.updateCounter(key, op() as number);
    } finally {
      // The rejected update changed nothing.
      const after = await tally.get(key);
      check(after === before, `counter ${name} is ${String(after)} after a rejected update, was ${String(before)}`);
    }
  },
});

/** A filter that must match nothing and fail nothing, on a trace where `{ step: 1 }` matches one. */
const filterAsData = (name: string, filter: Record<string, unknown>): HostileCase => ({
  group: 'filter',
  name,
  expect: 'ok',
  run: async ({ store }) => {
    const checkpoints = store.checkpoints('graphs');
    const hits = await checkpoints.list('t1', { filter: filter as never });
    check(hits.length === 0, `filter ${JSON.stringify(filter)} matched ${hits.length}`);
    const control = await checkpoints.list('t1', { filter: { step: 1 } });
    check(control.length === 1, 'the plain filter { step: 1 } stopped matching');
  },
});

/** Route options the adapter (or core's common schema) must reject; `per` picks them by adapter. */
const badOptions = (name: string, per: (adapter: string) => unknown): HostileCase => ({
  group: 'options',
  name,
  expect: 'INVALID_OPTIONS',
  run: ({ store, adapter }) => store.configureDomain('configured', { adapter, options: per(adapter) as Record<string, unknown> }),
});

/** An adapter-specific size option set negative (the memory adapter has none: an unknown key there). */
const NEGATIVE_SIZE: Record<string, Record<string, unknown>> = {
  sqlite: { cacheSizeKb: -1024 },
  lmdb: { mapSizeMb: -1 },
  level: { cacheSizeMb: -8 },
  memory: { cacheSizeMb: -8 },
};

/** Paths that leave dataDir; the adapters without a `path` option reject the key itself. */
const escaping = (path: (parent: string) => string, name: string): HostileCase => ({
  group: 'options',
  name,
  expect: 'INVALID_OPTIONS',
  run: ({ store, adapter, parent }) => store.configureDomain('configured', { adapter, options: { path: path(parent) } }),
});

export const HOSTILE_CASES: readonly HostileCase[] = [
  // Domain names: they become table names, sub-database names, key prefixes.
  domainName('runs; DROP TABLE runs; --'),
  domainName("runs' OR '1'='1"),
  domainName('runs"--'),
  domainName('..'),
  domainName('../escape'),
  domainName('a/b'),
  domainName('runs\u0000x'),
  domainName('Runs'),
  domainName('a'.repeat(49)),
  domainName('__proto__'),
  domainName(''),
  domainName('runs\n'),
  {
    group: 'domain name',
    name: '"constructor" and "sqlite_master" are valid names: plain domains of their own',
    expect: 'ok',
    run: async ({ store }) => {
      await store.kv('constructor').put('k', 'c');
      await store.kv('sqlite_master').put('k', 's');
      check((await store.kv('constructor').get('k')) === 'c', 'constructor domain');
      check((await store.kv('sqlite_master').get('k')) === 's', 'sqlite_master domain');
      check((await store.kv('seeded').get('k')) === undefined, 'the names leaked into another domain');
      await store.dropDomain('constructor');
      await store.dropDomain('sqlite_master');
    },
  },

  // Keys.
  badKey('string key over 1 KiB encoded', () => 'k'.repeat(1025)),
  badKey('tuple key over 1 KiB encoded', () => ['k', 'x'.repeat(1100)]),
  badKey('boolean', () => true),
  badKey('object', () => ({ $gt: '' })),
  badKey('null', () => null),
  badKey('undefined', () => undefined),
  badKey('bigint', () => 10n),
  badKey('symbol', () => Symbol('k')),
  badKey('cyclic array', cyclicArray),
  badKey('nested array', () => [['a'], 'b']),
  badKey('empty tuple', () => []),
  badKey('NaN', () => Number.NaN),
  badKey('Infinity', () => Number.POSITIVE_INFINITY),
  badKey('-Infinity inside a tuple', () => ['n', Number.NEGATIVE_INFINITY]),
  badKey('lone high surrogate', () => 'a\uD800'),
  badKey('lone low surrogate inside a tuple', () => ['\uDC00']),
  {
    group: 'key',
    name: 'range prefix of the wrong type',
    expect: 'INVALID_KEY',
    run: async ({ store }) => {
      for await (const _ of store.kv('seeded').keys({ prefix: { $ne: null } as never })) {
        // never reached
      }
    },
  },

  // Values.
  badValue('function', () => ({ run: () => 'pwned' })),
  badValue('symbol', () => ({ s: Symbol('x') })),
  badValue('class instance', () => ({ nested: [new Secret()] })),
  badValue('cyclic object', cyclicObject),
  badValue('WeakMap', () => new WeakMap()),
  badValue('Promise', () => Promise.resolve(1)),
  {
    group: 'value',
    name: 'JSON codec: NaN',
    expect: 'INVALID_VALUE',
    run: ({ store }) => store.kv('seeded', { codec: jsonCodec }).put('json', { n: Number.NaN }),
  },
  {
    group: 'value',
    name: 'value over maxValueBytes (put)',
    expect: 'VALUE_TOO_LARGE',
    run: ({ store }) => store.kv('small').put('big', new Uint8Array(2048)),
  },
  {
    group: 'value',
    name: 'putMany with one value over maxValueBytes writes none',
    expect: 'VALUE_TOO_LARGE',
    run: async ({ store }) => {
      const small = store.kv('small');
      try {
        await small.putMany([
          ['fits', 1],
          ['too-big', 'x'.repeat(5000)],
        ]);
      } finally {
        check((await small.get('fits')) === undefined, 'putMany wrote part of a rejected batch');
      }
    },
  },
  {
    group: 'value',
    name: 'putMany with one function value writes none',
    expect: 'INVALID_VALUE',
    run: async ({ store }) => {
      const seeded = store.kv('seeded');
      try {
        await seeded.putMany([
          ['fine', 1],
          ['bad', { f() {} }],
        ]);
      } finally {
        check((await seeded.get('fine')) === undefined, 'putMany wrote part of a rejected batch');
      }
    },
  },

  // Counters.
  badCounter('overflow past MAX_SAFE_INTEGER', () => 1, Number.MAX_SAFE_INTEGER),
  badCounter('underflow past MIN_SAFE_INTEGER', () => -1, Number.MIN_SAFE_INTEGER),
  badCounter('increment of 2^53', () => 2 ** 53),
  badCounter('NaN increment', () => Number.NaN),
  badCounter('Infinity increment', () => Number.POSITIVE_INFINITY),
  badCounter('fractional increment', () => 0.5),
  badCounter('string increment', () => '1'),
  badCounter('threshold without setTo', () => ({ by: 1, threshold: 5 })),
  badCounter('bounded op with a NaN threshold', () => ({ by: 1, threshold: Number.NaN, setTo: 0 })),
  {
    group: 'counter',
    name: 'increment of a key holding a non-counter value',
    expect: 'INVALID_VALUE',
    run: ({ store }) => store.kv('seeded').updateCounter('present', 1),
  },

  // Checkpoints.
  {
    group: 'checkpoint',
    name: 'save with string data',
    expect: 'INVALID_VALUE',
    run: ({ store }) => store.checkpoints('graphs').save('t1', { data: 'not bytes' as never }),
  },
  {
    group: 'checkpoint',
    name: 'save with metadata holding a function',
    expect: 'INVALID_VALUE',
    run: ({ store }) => store.checkpoints('graphs').save('t1', { data: new Uint8Array(1), metadata: { f: (() => 1) as never } }),
  },
  {
    group: 'checkpoint',
    name: 'trace id of 257 characters',
    expect: 'INVALID_VALUE',
    run: ({ store }) => store.checkpoints('graphs').save('t'.repeat(257), { data: new Uint8Array(1) }),
  },
  {
    group: 'checkpoint',
    name: 'save over maxValueBytes',
    expect: 'VALUE_TOO_LARGE',
    run: ({ store }) => store.checkpoints('small_cp').save('t', { data: new Uint8Array(2048) }),
  },
  {
    group: 'checkpoint',
    name: 'trace id and checkpoint id shaped like SQL and paths are data',
    expect: 'ok',
    run: async ({ store }) => {
      const checkpoints = store.checkpoints('graphs');
      const trace = "x'); DROP TABLE graphs; --";
      const saved = await checkpoints.save(trace, { data: Uint8Array.of(1, 2, 3) });
      check((await checkpoints.list(trace)).length === 1, 'SQL-shaped trace id');
      check((await checkpoints.load("' OR 1=1 --")) === undefined, 'SQL-shaped checkpoint id loads something');
      check((await checkpoints.load('../../../etc/passwd')) === undefined, 'path-shaped checkpoint id loads something');
      check((await checkpoints.list('t1', { before: "' OR 1=1 --" })).length === 0, 'SQL-shaped before');
      check((await checkpoints.deleteTrace(trace)) === 1, 'SQL-shaped trace delete');
      check(saved.traceId === trace, 'trace id changed');
      check((await checkpoints.list('t1')).length === 2, 't1 changed');
    },
  },

  // Metadata filters shaped like SQL or query operators: data, matched by deep equality.
  filterAsData('operator object { $gt: 1 }', { step: { $gt: 1 } }),
  filterAsData('operator key { $gt: 1 }', { $gt: 1 }),
  filterAsData('SQL value "\' OR 1=1 --"', { step: "' OR 1=1 --" }),
  filterAsData('SQL key "\' OR 1=1 --"', { "' OR 1=1 --": 1 }),
  filterAsData('JSON path key "$.step"', { '$.step': 1 }),
  filterAsData('__proto__ key', JSON.parse('{"__proto__": {"step": 1}}') as Record<string, unknown>),

  // Route options: wrong types, negative sizes, unknown keys, paths leaving dataDir.
  badOptions('durability of the wrong value', () => ({ durability: 'sometimes' })),
  badOptions('maxValueBytes as a string', () => ({ maxValueBytes: '1024' })),
  badOptions('maxValueBytes negative', () => ({ maxValueBytes: -1 })),
  badOptions('counterFlushMs negative', () => ({ counterFlushMs: -5 })),
  badOptions('adapter size option negative', (adapter) => NEGATIVE_SIZE[adapter] ?? { cacheSizeMb: -1 }),
  badOptions('unknown option key', () => ({ nope: true })),
  badOptions('__proto__ option key', () => JSON.parse('{"__proto__": {"durability": "fast"}}')),
  badOptions('options as a string', () => 'fast'),
  escaping(() => '../x', 'path "../x"'),
  escaping((parent) => `${parent}/abs-escape`, 'absolute path (/tmp/…)'),
  escaping(() => 'a/../../x', 'path "a/../../x"'),
  escaping(() => 'ok\u0000/../../x', 'path with NUL'),
];
