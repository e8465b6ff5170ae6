/**
 * Issue 4, items 5 and 6: hostile bytes written straight into a backend behind the API, one row each,
 * read back through the store by `children/hostile-bytes-reader.ts`. A row expects the read to fail
 * with `DECODE`, or to return plain data (`plain`): only plain objects, arrays, Maps, Sets, Dates,
 * RegExps and byte arrays, every property a data property, and with `ownProto`, `__proto__` present
 * as an own key of the result (or of its metadata) while the result's prototype is `Object.prototype`.
 *
 * The byte layouts are written out here on purpose (they are what a disk holds, not an API):
 * - kv values: one envelope byte (0x00 a codec value, 0x01 a counter: float64 LE), then the codec's bytes
 *   (core/src/kv/value-envelope.ts);
 * - the default codec: a version byte (1), then a tag and its body; lengths and counts are LEB128
 *   varints (core/src/codec/default-format.ts);
 * - checkpoints: record key 0x04 ++ id → u32 LE info length, info JSON, data; index key
 *   0x03 ++ trace ++ 0x00 ++ id → info JSON; head key 0x02 ++ trace → head JSON
 *   (core/src/checkpoints/checkpoint-layout.ts).
 */
import { defaultCodec } from '@agentstore/core';

/** Where a row's bytes go and how they are read back. */
export type StoredTarget =
  /** A default-codec kv domain: `bytes` is the codec payload (the envelope byte is added), read with `get`. */
  | 'kv'
  /** The same, but `bytes` is the whole stored value, envelope included. */
  | 'kv-raw'
  /** A JSON-codec kv domain: `bytes` is the JSON text's UTF-8 (envelope added). */
  | 'json'
  /** A checkpoint record under a fresh id, read with `load(id)`. */
  | 'cp-record'
  /** A trace head, read with `loadLatest(trace)`. */
  | 'cp-head'
  /** A trace index entry, read with `list(trace)`. */
  | 'cp-index';

export interface StoredPayload {
  readonly name: string;
  readonly target: StoredTarget;
  readonly expect: 'DECODE' | 'plain';
  /** With `plain`: the result (or, for checkpoints, its metadata) has `__proto__` as an own key. */
  readonly ownProto?: boolean;
  readonly bytes: () => Uint8Array;
}

const V = 0x01; // default format version
const T = {
  TRUE: 0x03,
  STRING: 0x07,
  STRING16: 0x08,
  BIGINT_POS: 0x09,
  REGEXP: 0x0c,
  ARRAY: 0x10,
  OBJECT: 0x11,
  MAP: 0x12,
  SET: 0x13,
  ARRAYBUFFER: 0x14,
  VIEW: 0x15,
  FIXSTR: 0x40,
  FIXINT: 0x80,
} as const;

const utf8 = (text: string): number[] => [...Buffer.from(text, 'utf8')];
const bytes = (...parts: Array<number | number[]>): Uint8Array => Uint8Array.from(parts.flat());
const fixstr = (text: string): number[] => [T.FIXSTR + Buffer.byteLength(text), ...utf8(text)];

/** Unsigned LEB128, as the default format writes lengths (any width here, to test the reader's bound). */
export function varint(n: number): number[] {
  const out: number[] = [];
  let rest = n;
  do {
    const low = rest % 128;
    rest = Math.floor(rest / 128);
    out.push(rest > 0 ? low | 0x80 : low);
  } while (rest > 0);
  return out;
}

const GiB2 = 2 ** 31;

/** `depth` arrays nested in one another, the innermost empty. */
export function nestedArrays(depth: number): Uint8Array {
  const out = new Uint8Array(1 + 2 * depth);
  out[0] = V;
  for (let i = 0; i < depth; i++) {
    out[1 + 2 * i] = T.ARRAY;
    out[2 + 2 * i] = i === depth - 1 ? 0 : 1;
  }
  return out;
}

/** `depth` objects `{ a: { a: … {} } }`. */
function nestedObjects(depth: number): Uint8Array {
  const out: number[] = [V];
  for (let i = 0; i < depth; i++) out.push(T.OBJECT, i === depth - 1 ? 0 : 1, ...(i === depth - 1 ? [] : fixstr('a')));
  return Uint8Array.from(out);
}

const json =
  (text: string): (() => Uint8Array) =>
  () =>
    Uint8Array.from(utf8(text));

/** A checkpoint info JSON as core writes it (`m` is the metadata text). */
function info(id: string, trace: string, size: number, metadataJson = '{}'): string {
  return `{"i":${JSON.stringify(id)},"t":${JSON.stringify(trace)},"p":null,"s":1,"c":0,"z":${size},"m":${metadataJson}}`;
}

/** A checkpoint record: u32 LE info length, info, data. */
function record(infoText: string, data: number[], declaredLength?: number): Uint8Array {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(declaredLength ?? Buffer.byteLength(infoText));
  return bytes([...head], utf8(infoText), data);
}

/** The id a `cp-record` row is stored under, and the trace of `cp-head`/`cp-index` rows. */
export const hostileId = (row: number): string => `hostile-${row}`;

const deepJson = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

export const HOSTILE_BYTES: readonly StoredPayload[] = [
  // Prototype pollution: the default codec's own object encoding with a `__proto__` key.
  {
    name: 'default codec: object with an own "__proto__" key',
    target: 'kv',
    expect: 'plain',
    ownProto: true,
    bytes: () => defaultCodec.encode(JSON.parse('{"__proto__":{"polluted":true}}')),
  },
  {
    name: 'default codec: hand-written {"__proto__": {"polluted": true}}',
    target: 'kv',
    expect: 'plain',
    ownProto: true,
    bytes: () => bytes(V, T.OBJECT, 1, fixstr('__proto__'), T.OBJECT, 1, fixstr('polluted'), T.TRUE),
  },
  {
    name: 'default codec: {"constructor": {"prototype": {"polluted": true}}}',
    target: 'kv',
    expect: 'plain',
    bytes: () => bytes(V, T.OBJECT, 1, fixstr('constructor'), T.OBJECT, 1, fixstr('prototype'), T.OBJECT, 1, fixstr('polluted'), T.TRUE),
  },
  {
    name: 'default codec: "__proto__" nested in an array',
    target: 'kv',
    expect: 'plain',
    bytes: () => bytes(V, T.ARRAY, 1, T.OBJECT, 1, fixstr('__proto__'), T.OBJECT, 1, fixstr('isAdmin'), T.TRUE),
  },
  {
    name: 'default codec: Map keyed "__proto__"',
    target: 'kv',
    expect: 'plain',
    bytes: () => bytes(V, T.MAP, 1, fixstr('__proto__'), T.OBJECT, 1, fixstr('polluted'), T.TRUE),
  },
  {
    name: 'JSON codec: {"__proto__":{"polluted":1}}',
    target: 'json',
    expect: 'plain',
    ownProto: true,
    bytes: json('{"__proto__":{"polluted":1}}'),
  },
  {
    name: 'JSON codec: {"constructor":{"prototype":{"polluted":1}}}',
    target: 'json',
    expect: 'plain',
    bytes: json('{"constructor":{"prototype":{"polluted":1}}}'),
  },
  {
    name: 'JSON codec: nested {"a":{"__proto__":{"isAdmin":true}}}',
    target: 'json',
    expect: 'plain',
    bytes: json('{"a":{"__proto__":{"isAdmin":true}}}'),
  },

  // Unknown extension tags and versions.
  { name: 'unknown tag 0x16 (first unassigned container tag)', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, 0x16) },
  { name: 'unknown tag 0x3f', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, 0x3f, 0, 0, 0) },
  { name: 'unknown tag 0x60 (just above the short strings)', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, 0x60) },
  { name: 'unknown typed-array kind 0x0c', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, T.VIEW, 0x0c, 1, 0) },
  { name: 'unknown format version 2', target: 'kv', expect: 'DECODE', bytes: () => bytes(2, T.FIXINT + 1) },
  { name: 'format version 0', target: 'kv', expect: 'DECODE', bytes: () => bytes(0, T.FIXINT + 1) },
  { name: 'empty payload', target: 'kv', expect: 'DECODE', bytes: () => bytes() },
  { name: 'unknown kv envelope tag 0x07', target: 'kv-raw', expect: 'DECODE', bytes: () => bytes(0x07, V, T.FIXINT) },
  { name: 'empty stored value', target: 'kv-raw', expect: 'DECODE', bytes: () => bytes() },

  // Lengths and counts declaring far more than is there (2 GiB and up): refused before allocating.
  { name: 'string declaring 2 GiB', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, T.STRING, varint(GiB2), utf8('abc')) },
  {
    name: 'UTF-16 string declaring 2^31 code units',
    target: 'kv',
    expect: 'DECODE',
    bytes: () => bytes(V, T.STRING16, varint(GiB2), 0x41, 0),
  },
  { name: 'ArrayBuffer declaring 2 GiB', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, T.ARRAYBUFFER, varint(GiB2), 1, 2, 3) },
  { name: 'Uint8Array declaring 2 GiB', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, T.VIEW, 1, varint(GiB2), 1, 2, 3) },
  { name: 'BigInt declaring 2 GiB of magnitude', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, T.BIGINT_POS, varint(GiB2), 1) },
  { name: 'array header claiming 2^31 elements', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, T.ARRAY, varint(GiB2), T.FIXINT) },
  {
    name: 'array header claiming 2^32 − 1 elements',
    target: 'kv',
    expect: 'DECODE',
    bytes: () => bytes(V, T.ARRAY, varint(2 ** 32 - 1), T.FIXINT),
  },
  {
    name: 'object header claiming 2^31 entries',
    target: 'kv',
    expect: 'DECODE',
    bytes: () => bytes(V, T.OBJECT, varint(GiB2), fixstr('a'), T.FIXINT),
  },
  {
    name: 'Map header claiming 2^31 entries',
    target: 'kv',
    expect: 'DECODE',
    bytes: () => bytes(V, T.MAP, varint(GiB2), T.FIXINT, T.FIXINT),
  },
  { name: 'Set header claiming 2^31 elements', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, T.SET, varint(GiB2), T.FIXINT) },
  { name: 'length varint of 6 bytes (2^35)', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, T.STRING, varint(2 ** 35)) },
  {
    name: 'length varint that never ends',
    target: 'kv',
    expect: 'DECODE',
    bytes: () => bytes(V, T.ARRAY, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
  },

  // Nesting.
  { name: '100,000 nested arrays', target: 'kv', expect: 'DECODE', bytes: () => nestedArrays(100_000) },
  { name: '100,000 nested objects', target: 'kv', expect: 'DECODE', bytes: () => nestedObjects(100_000) },
  { name: '1,001 nested arrays (one past the cap)', target: 'kv', expect: 'DECODE', bytes: () => nestedArrays(1_001) },
  { name: '1,000 nested arrays (at the cap) decode', target: 'kv', expect: 'plain', bytes: () => nestedArrays(1_000) },
  { name: 'JSON codec: 100,000 nested arrays', target: 'json', expect: 'DECODE', bytes: json(deepJson(100_000)) },

  // Truncated and malformed data.
  {
    name: 'truncated payload (first half of a valid one)',
    target: 'kv',
    expect: 'DECODE',
    bytes: () => {
      const whole = defaultCodec.encode({ text: 'x'.repeat(200), list: [1, 2, 3], at: new Date(0) });
      return whole.subarray(0, Math.floor(whole.length / 2));
    },
  },
  { name: 'trailing bytes after a value', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, T.FIXINT + 1, T.FIXINT + 2) },
  { name: 'invalid UTF-8 in a string', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, T.STRING, 3, 0xc3, 0x28, 0xff) },
  { name: 'invalid RegExp source', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, T.REGEXP, fixstr('(?<'), fixstr('g')) },
  { name: 'typed array with a partial element', target: 'kv', expect: 'DECODE', bytes: () => bytes(V, T.VIEW, 8, 3, 1, 2, 3) },
  { name: 'counter record cut short', target: 'kv-raw', expect: 'DECODE', bytes: () => bytes(0x01, 0, 0, 0) },
  {
    name: 'counter record holding NaN',
    target: 'kv-raw',
    expect: 'DECODE',
    bytes: () => bytes(0x01, [...Buffer.from(Float64Array.of(Number.NaN).buffer)]),
  },
  {
    name: 'counter record holding 2^60',
    target: 'kv-raw',
    expect: 'DECODE',
    bytes: () => bytes(0x01, [...Buffer.from(Float64Array.of(2 ** 60).buffer)]),
  },
  { name: 'JSON codec: truncated text', target: 'json', expect: 'DECODE', bytes: json('{"a":[1,2') },
  { name: 'JSON codec: leading BOM', target: 'json', expect: 'DECODE', bytes: () => bytes(0xef, 0xbb, 0xbf, utf8('{}')) },

  // Checkpoint records, index entries and heads with corrupt headers.
  {
    name: 'checkpoint record declaring a 2 GiB info header',
    target: 'cp-record',
    expect: 'DECODE',
    bytes: () => record('{}', [1, 2, 3], GiB2),
  },
  {
    name: 'checkpoint record declaring a 4 GiB − 1 info header',
    target: 'cp-record',
    expect: 'DECODE',
    bytes: () => record('{}', [1], 2 ** 32 - 1),
  },
  { name: 'checkpoint record of 3 bytes', target: 'cp-record', expect: 'DECODE', bytes: () => bytes(1, 0, 0) },
  { name: 'checkpoint record whose info is not JSON', target: 'cp-record', expect: 'DECODE', bytes: () => record('{"i":', [1]) },
  {
    name: 'checkpoint record whose info has the wrong shape',
    target: 'cp-record',
    expect: 'DECODE',
    bytes: () => record('{"i":1,"s":"x"}', [1]),
  },
  {
    name: 'checkpoint record whose info size disagrees with its data',
    target: 'cp-record',
    expect: 'DECODE',
    bytes: () => record(info('x', 'x', 99), [1, 2, 3]),
  },
  {
    name: 'checkpoint record with "__proto__" in its metadata',
    target: 'cp-record',
    expect: 'plain',
    ownProto: true,
    bytes: () => record(info('x', 'x', 1, '{"__proto__":{"polluted":1}}'), [7]),
  },
  {
    name: 'checkpoint record with 100,000-deep metadata',
    target: 'cp-record',
    expect: 'DECODE',
    bytes: () => record(info('x', 'x', 1, `{"deep":${deepJson(100_000)}}`), [7]),
  },
  { name: 'trace head that is not JSON', target: 'cp-head', expect: 'DECODE', bytes: json('{"s":') },
  { name: 'trace head with the wrong shape', target: 'cp-head', expect: 'DECODE', bytes: json('{"s":"1","l":7}') },
  { name: 'index entry whose info is not JSON', target: 'cp-index', expect: 'DECODE', bytes: json('not json') },
  {
    name: 'index entry with 100,000-deep metadata',
    target: 'cp-index',
    expect: 'DECODE',
    bytes: json(info('x', 'x', 1, `{"deep":${deepJson(100_000)}}`)),
  },
];
