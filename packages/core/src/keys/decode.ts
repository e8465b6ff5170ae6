import { StoreError } from '../errors.js';
import type { Key, KeyPart } from '../types.js';
import { readOrderedFloat } from './float.js';
import { MAX_KEY_BYTES, STRING_END, STRING_ESCAPE, TAG_NUMBER, TAG_STRING, TAG_TUPLE } from './layout.js';

// `fatal` rejects malformed UTF-8 (including encoded surrogates); `ignoreBOM` keeps a leading U+FEFF.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function malformed(what: string): StoreError {
  return new StoreError('DECODE', `malformed key bytes: ${what}`);
}

function readNumber(bytes: Uint8Array, pos: number): number {
  if (pos + 8 > bytes.length) throw malformed('truncated number');
  const n = readOrderedFloat(bytes, pos);
  // Only canonical encodings are accepted, so decode(encode(k)) and encode(decode(b)) both round-trip.
  if (!Number.isFinite(n) || Object.is(n, -0)) throw malformed('not a finite number');
  return n;
}

function readUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new StoreError('DECODE', 'malformed key bytes: invalid UTF-8', { cause });
  }
}

/** Decodes a tuple string element starting after its tag; returns the string and the next position. */
function readTupleString(bytes: Uint8Array, pos: number): [string, number] {
  // Most strings have no escaped byte: decoded in place, without a copy to unescape them into.
  for (let end = pos; end < bytes.length; end++) {
    const b = bytes[end] as number;
    // A plain view: `subarray` of a Buffer (as some engines return keys) makes a Buffer, at several times the cost.
    if (b === STRING_END) return [end === pos ? '' : readUtf8(new Uint8Array(bytes.buffer, bytes.byteOffset + pos, end - pos)), end + 1];
    if (b === STRING_ESCAPE) break;
  }
  const out = new Uint8Array(bytes.length - pos);
  let n = 0;
  for (;;) {
    if (pos >= bytes.length) throw malformed('unterminated string');
    const b = bytes[pos++] as number;
    if (b === STRING_END) break;
    if (b === STRING_ESCAPE) {
      const e = bytes[pos++];
      if (e !== 0x01 && e !== 0x02) throw malformed('bad escape');
      out[n++] = e - 1;
    } else {
      out[n++] = b;
    }
  }
  return [readUtf8(out.subarray(0, n)), pos];
}

/** Decodes bytes made by `encodeKey` back into the key; throws `StoreError('DECODE')` on anything else. */
export function decodeKey(bytes: Uint8Array): Key {
  if (bytes.length === 0) throw malformed('empty');
  if (bytes.length > MAX_KEY_BYTES) throw malformed(`longer than ${MAX_KEY_BYTES} bytes`);
  const tag = bytes[0];
  if (tag === TAG_NUMBER) {
    if (bytes.length !== 9) throw malformed('number key of wrong length');
    return readNumber(bytes, 1);
  }
  if (tag === TAG_STRING) return readUtf8(bytes.subarray(1));
  if (tag !== TAG_TUPLE) throw malformed(`unknown tag 0x${(tag as number).toString(16)}`);
  const parts: KeyPart[] = [];
  let pos = 1;
  while (pos < bytes.length) {
    const t = bytes[pos++];
    if (t === TAG_NUMBER) {
      parts.push(readNumber(bytes, pos));
      pos += 8;
    } else if (t === TAG_STRING) {
      const [s, next] = readTupleString(bytes, pos);
      parts.push(s);
      pos = next;
    } else {
      throw malformed(`unknown element tag 0x${(t as number).toString(16)}`);
    }
  }
  if (parts.length === 0) throw malformed('empty tuple');
  return parts;
}
