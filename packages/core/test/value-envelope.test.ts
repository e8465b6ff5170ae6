/**
 * The kv value record: built-in codecs write the tag and their encoding in one allocation, every
 * codec's record is independent of the caller's arrays, and size and type checks come first.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { defaultCodec, jsonCodec, rawCodec } from '../src/codec/index.js';
import { StoreError } from '../src/errors.js';
import { counterValue, decodeValue, encodeCounter, encodeTuple, encodeValue, isCounter, tupleValue } from '../src/kv/value-envelope.js';
import type { Codec } from '../src/types.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof StoreError ? err.code : `not a StoreError: ${String(err)}`;
  }
  return undefined;
}

describe('encodeValue', () => {
  it('round-trips through every built-in codec and a plain one', () => {
    const plain: Codec<string> = { name: 'plain', encode: (s) => new TextEncoder().encode(s), decode: (b) => new TextDecoder().decode(b) };
    expect(decodeValue(rawCodec, encodeValue(rawCodec, Uint8Array.of(1, 2, 3), 10))).toStrictEqual(Uint8Array.of(1, 2, 3));
    expect(decodeValue(defaultCodec, encodeValue(defaultCodec, { a: [1, 'x'] }, 100))).toStrictEqual({ a: [1, 'x'] });
    expect(decodeValue(jsonCodec, encodeValue(jsonCodec, { a: 1 }, 100))).toStrictEqual({ a: 1 });
    expect(decodeValue(plain, encodeValue(plain, 'hé', 100))).toBe('hé');
  });

  it('never shares memory with the caller: later changes to its bytes do not reach the record', () => {
    const input = Buffer.from('hello');
    const records = [encodeValue(rawCodec, input, 100), encodeValue(defaultCodec, input, 100)];
    const shared = new Uint8Array(8).fill(7);
    const viaCodec: Codec<number> = { name: 'scratch', encode: () => shared, decode: (b) => b[0] as number };
    records.push(encodeValue(viaCodec, 0, 100));
    input.fill(0);
    shared.fill(0);
    expect(Buffer.from(decodeValue(rawCodec, records[0] as Uint8Array)).toString()).toBe('hello');
    expect(Buffer.from(decodeValue(defaultCodec, records[1] as Uint8Array) as Uint8Array).toString()).toBe('hello');
    expect(decodeValue(viaCodec, records[2] as Uint8Array)).toBe(7);
  });

  it('records of many values stay distinct (pooled memory is never handed out twice)', () => {
    const records = Array.from({ length: 500 }, (_, i) => encodeValue(rawCodec, new Uint8Array(i % 300).fill(i & 0xff), 1000));
    records.forEach((r, i) => {
      const back = decodeValue(rawCodec, r);
      expect(back.byteLength).toBe(i % 300);
      expect(back.every((b) => b === (i & 0xff))).toBe(true);
    });
  });

  it('hands users bytes that own their memory exactly', () => {
    const back = decodeValue(rawCodec, encodeValue(rawCodec, Uint8Array.of(5, 6), 10));
    expect(Object.getPrototypeOf(back)).toBe(Uint8Array.prototype);
    expect(back.byteOffset).toBe(0);
    expect(back.buffer.byteLength).toBe(2);
  });

  it('checks the size of the encoding, not of the record', () => {
    expect(code(() => encodeValue(rawCodec, new Uint8Array(10), 10))).toBeUndefined();
    expect(code(() => encodeValue(rawCodec, new Uint8Array(11), 10))).toBe('VALUE_TOO_LARGE');
    const ten = defaultCodec.encode('abcdefgh').byteLength;
    expect(code(() => encodeValue(defaultCodec, 'abcdefgh', ten))).toBeUndefined();
    expect(code(() => encodeValue(defaultCodec, 'abcdefgh', ten - 1))).toBe('VALUE_TOO_LARGE');
    expect(code(() => encodeValue(jsonCodec, 'abc', 4))).toBe('VALUE_TOO_LARGE');
  });

  it('refuses what only looks like a Uint8Array, with INVALID_VALUE', () => {
    const fakeTag = new DataView(new ArrayBuffer(4));
    Object.defineProperty(fakeTag, Symbol.toStringTag, { value: 'Uint8Array' });
    const lying = new Uint8Array(100);
    Object.defineProperty(lying, 'byteLength', { value: 1 });
    Object.defineProperty(lying, 'length', { value: 1 });
    for (const v of [Object.create(Uint8Array.prototype), fakeTag, new Uint16Array(2)]) {
      expect(code(() => encodeValue(rawCodec, v, 100))).toBe('INVALID_VALUE');
      expect(code(() => rawCodec.encode(v))).toBe('INVALID_VALUE');
    }
    // An own `byteLength` cannot shrink the size check.
    expect(code(() => encodeValue(rawCodec, lying, 50))).toBe('VALUE_TOO_LARGE');
    expect(decodeValue(rawCodec, encodeValue(rawCodec, lying, 100)).byteLength).toBe(100);
    // A Uint8Array from another realm is a Uint8Array.
    const foreign = runInNewContext('new Uint8Array([1, 2])') as Uint8Array;
    expect(Array.from(decodeValue(rawCodec, encodeValue(rawCodec, foreign, 10)))).toStrictEqual([1, 2]);
  });
});

describe('tuple counter records', () => {
  it('round-trip as numbers whatever the codec, and malformed ones are DECODE', () => {
    const record = encodeTuple([0, -5, Number.MAX_SAFE_INTEGER]);
    expect(isCounter(record)).toBe(true);
    expect(decodeValue(jsonCodec, record)).toEqual([0, -5, Number.MAX_SAFE_INTEGER]);
    expect(tupleValue(record)).toEqual([0, -5, Number.MAX_SAFE_INTEGER]);
    expect(code(() => decodeValue(rawCodec, record.subarray(0, 5)))).toBe('DECODE'); // not a whole number of positions
    expect(code(() => decodeValue(rawCodec, Uint8Array.of(0x02)))).toBe('DECODE'); // no position
    const fraction = encodeTuple([1]);
    new DataView(fraction.buffer).setFloat64(1, 0.5, true);
    expect(code(() => decodeValue(rawCodec, fraction))).toBe('DECODE');
  });

  it('a single counter and a tuple counter refuse each other’s reads with INVALID_VALUE', () => {
    expect(code(() => counterValue(encodeTuple([1])))).toBe('INVALID_VALUE');
    expect(code(() => tupleValue(encodeCounter(1)))).toBe('INVALID_VALUE');
    expect(code(() => tupleValue(encodeValue(jsonCodec, 1, 10)))).toBe('INVALID_VALUE');
    expect(tupleValue(undefined)).toEqual([]);
  });
});
