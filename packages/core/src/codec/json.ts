import { StoreError } from '../errors.js';
import type { Codec } from '../types.js';
import { toInvalidValue } from './failure.js';
import { assertJsonDepth } from './json-depth.js';
import { checkValue } from './validate-json.js';

const encoder = new TextEncoder();
// `ignoreBOM`: a BOM is not JSON, so it must reach JSON.parse and fail there rather than vanish.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function encode(value: unknown): Uint8Array {
  try {
    checkValue(value, 0);
  } catch (err) {
    throw toInvalidValue(err);
  }
  return encoder.encode(JSON.stringify(value));
}

function decode(bytes: Uint8Array): unknown {
  assertJsonDepth(bytes);
  try {
    // JSON.parse defines every key, `__proto__` included, as an own data property: no pollution.
    return JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new StoreError('DECODE', `json codec: ${cause instanceof Error ? cause.message : 'invalid JSON'}`, { cause });
  }
}

/**
 * UTF-8 JSON. Encoding refuses, with `INVALID_VALUE` naming the path, anything JSON would not give
 * back unchanged (NaN, ±Infinity, -0, undefined, BigInt, Date, Map, Set, RegExp, binary data, holes,
 * class instances, functions, symbols, cycles).
 */
export const jsonCodec: Codec<unknown> = Object.freeze({ name: 'json', encode, decode });
