import { allocBytes } from '../codec/byte-pool.js';
import { StoreError } from '../errors.js';
import { writeOrderedFloat } from './float.js';
import { MAX_KEY_BYTES, STRING_END, STRING_ESCAPE, TAG_NUMBER, TAG_STRING, TAG_TUPLE } from './layout.js';
import { isWellFormed } from './well-formed.js';

// One scratch area reused by every call (encoding is synchronous and never re-enters): the output
// itself is copied out, so callers own what they get. Sized so that a key just over the limit still
// fits before we notice: 1 KiB of key + one element of up to 3 KiB of UTF-8, doubled by escaping.
const scratch = new Uint8Array(MAX_KEY_BYTES + 2 * 3 * MAX_KEY_BYTES + 16);
const utf8 = new TextEncoder();
// Called through a saved reference, not as `s.charCodeAt(i)`: V8 (Node 20) stops inlining the method
// call once any class in the process extends String (ioredis loads one, `VerbatimString`), which made
// this loop about 3x slower; the saved builtin keeps its fast path with or without one.
const charCodeAt = String.prototype.charCodeAt;

function invalid(message: string): StoreError {
  return new StoreError('INVALID_KEY', message);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function tooLong(): StoreError {
  return invalid(`key is longer than ${MAX_KEY_BYTES} bytes encoded`);
}

/**
 * Names what an error is about: the key itself (`WHOLE`) or the tuple element at that index. A number,
 * not a string: building `key[i]` for every element cost about a tenth of encoding a tuple key.
 */
const WHOLE = -1;

function where(at: number): string {
  return at === WHOLE ? 'key' : `key[${at}]`;
}

/** Writes `n` as a tagged number at `pos`; returns the new position. */
function putNumber(n: number, pos: number, at: number): number {
  if (!Number.isFinite(n)) throw invalid(`${where(at)} must be a finite number, got ${n}`);
  scratch[pos] = TAG_NUMBER;
  // `n + 0` turns -0 into 0: they are the same key.
  writeOrderedFloat(scratch, pos + 1, n + 0);
  return pos + 9;
}

/** UTF-8 of `s` written at `at` (nothing else is there yet); returns the byte count. */
function putUtf8(s: string, at: number, element: number): number {
  // Each UTF-16 unit is at least one UTF-8 byte, so longer strings can never fit: fail before encoding.
  const n = s.length;
  if (n > MAX_KEY_BYTES) throw tooLong();
  // ASCII (most keys) is its own UTF-8 and always well-formed: a plain loop beats encodeInto's call.
  let i = 0;
  for (; i < n; i++) {
    const c = charCodeAt.call(s, i);
    if (c >= 0x80) break;
    scratch[at + i] = c;
  }
  if (i === n) return n;
  if (!isWellFormed(s)) throw invalid(`${where(element)} contains a lone surrogate`);
  const { written } = utf8.encodeInto(s.slice(i), scratch.subarray(at + i));
  return i + written;
}

/** Writes a string element of a tuple (escaped, terminated) at `pos`; returns the new position. */
function putTupleString(s: string, pos: number, element: number): number {
  // Encode into the tail of the scratch area, then copy forward with escaping.
  const tail = scratch.length - 3 * MAX_KEY_BYTES;
  const n = putUtf8(s, tail, element);
  scratch[pos++] = TAG_STRING;
  for (let i = 0; i < n; i++) {
    const b = scratch[tail + i] as number;
    if (b <= STRING_ESCAPE) {
      scratch[pos++] = STRING_ESCAPE;
      scratch[pos++] = b + 1;
    } else {
      scratch[pos++] = b;
    }
  }
  scratch[pos++] = STRING_END;
  return pos;
}

/**
 * Encodes a key into its order-preserving bytes (layout in `layout.ts`).
 * Throws `StoreError('INVALID_KEY')` for anything that is not a valid `Key` or is over 1 KiB encoded.
 */
export function encodeKey(key: unknown): Uint8Array {
  return scratch.slice(0, encodeInScratch(key));
}

/**
 * `encodeKey` into pooled memory (`allocBytes`), for keys core hands straight to a backend read: an
 * array of its own that small lives on V8's heap and is moved off it (a backing store allocated and
 * later finalized) when a native driver binds it — measured about 2 µs of a 15 µs SQLite get.
 */
export function encodeKeyPooled(key: unknown): Uint8Array {
  const n = encodeInScratch(key);
  const out = allocBytes(n);
  if (n <= 32) for (let i = 0; i < n; i++) out[i] = scratch[i] as number;
  else out.set(scratch.subarray(0, n));
  return out;
}

/** A pooled copy of a key (`allocBytes`), e.g. of one from `encodeKeyTransient` that must outlive the next encoding. */
export function ownedKey(key: Uint8Array): Uint8Array {
  const n = key.byteLength;
  const out = allocBytes(n);
  if (n <= 32) for (let i = 0; i < n; i++) out[i] = key[i] as number;
  else out.set(key);
  return out;
}

// One view of the scratch area's start per length, made on first use: `encodeKeyTransient` returns
// them, so a point read's key costs no allocation at all (a view made per call costs more than the encoding).
const scratchViews: Uint8Array[] = [];

/**
 * `encodeKey` as a view of the scratch area, valid only until the next key is encoded (by any
 * caller): for a synchronous read that keeps nothing of the key (the SPI's `getSync`). Anything that
 * keeps it, or awaits, takes an `ownedKey` copy first.
 */
export function encodeKeyTransient(key: unknown): Uint8Array {
  const n = encodeInScratch(key);
  let view = scratchViews[n];
  if (view === undefined) {
    view = scratch.subarray(0, n);
    scratchViews[n] = view;
  }
  return view;
}

/** Encodes `key` at the start of the scratch area; returns its length. */
function encodeInScratch(key: unknown): number {
  let pos: number;
  if (typeof key === 'number') {
    pos = putNumber(key, 0, WHOLE);
  } else if (typeof key === 'string') {
    scratch[0] = TAG_STRING;
    pos = 1 + putUtf8(key, 1, WHOLE);
  } else if (Array.isArray(key)) {
    const n = key.length;
    if (n === 0) throw invalid('key must not be an empty tuple');
    scratch[0] = TAG_TUPLE;
    pos = 1;
    for (let i = 0; i < n; i++) {
      // Checked before each element so the scratch area can never overflow.
      if (pos > MAX_KEY_BYTES) throw tooLong();
      const part: unknown = key[i];
      if (typeof part === 'number') pos = putNumber(part, pos, i);
      else if (typeof part === 'string') pos = putTupleString(part, pos, i);
      // Nested (and so also cyclic) arrays land here.
      else throw invalid(`key[${i}] must be a string or a number, got ${describe(part)}`);
    }
  } else {
    throw invalid(`key must be a string, a number or a non-empty tuple of them, got ${describe(key)}`);
  }
  if (pos > MAX_KEY_BYTES) throw tooLong();
  return pos;
}
