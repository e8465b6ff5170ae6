import { describe, expect, it } from 'vitest';
import { rawCodec } from '../src/codec/index.js';
import { StoreError } from '../src/errors.js';

describe('rawCodec', () => {
  it('returns plain Uint8Array copies', () => {
    const input = Buffer.from('hello');
    const stored = rawCodec.encode(input);
    expect(Object.getPrototypeOf(stored)).toBe(Uint8Array.prototype);
    input[0] = 0; // later changes to the caller's bytes do not reach stored data
    expect(Buffer.from(stored).toString()).toBe('hello');

    const backing = Buffer.from('xxbytes');
    const view = backing.subarray(2);
    const decoded = rawCodec.decode(view);
    expect(Object.getPrototypeOf(decoded)).toBe(Uint8Array.prototype);
    expect(Buffer.from(decoded).toString()).toBe('bytes');
    expect(decoded.buffer).not.toBe(backing.buffer);
    expect(rawCodec.decode(new Uint8Array(0))).toStrictEqual(new Uint8Array(0));
  });

  it('refuses anything but a Uint8Array', () => {
    for (const v of [
      'str',
      1,
      null,
      undefined,
      {},
      [1, 2],
      new Uint16Array(1),
      new ArrayBuffer(2),
      new DataView(new ArrayBuffer(1)),
      new Int8Array(1),
    ]) {
      try {
        rawCodec.encode(v as Uint8Array);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).code).toBe('INVALID_VALUE');
        expect((err as StoreError).message).toContain('$');
      }
    }
  });
});
