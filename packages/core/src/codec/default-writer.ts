import { StoreError } from '../errors.js';
import { isWellFormed } from '../keys/well-formed.js';
import { allocBytes } from './byte-pool.js';
import {
  FIXSTR_MAX,
  FORMAT_VERSION,
  HOST_LITTLE_ENDIAN,
  T_ARRAY,
  T_ARRAYBUFFER,
  T_BIGINT_NEG,
  T_BIGINT_POS,
  T_DATE,
  T_FALSE,
  T_FIXINT,
  T_FIXSTR,
  T_FLOAT64,
  T_INT8,
  T_INT32,
  T_MAP,
  T_NULL,
  T_OBJECT,
  T_REGEXP,
  T_SET,
  T_STRING,
  T_STRING16,
  T_TRUE,
  T_UNDEFINED,
  T_VIEW,
  VIEW_KIND_BY_PROTO,
  VIEW_KINDS,
} from './default-format.js';
import { describeUnsupportedObject, describeUnsupportedPrimitive } from './describe.js';
import { annotate, EncodeFailure, propSegment, tooDeep } from './failure.js';
import { DECODE_LIMITS } from './limits.js';
import { valueTooLarge } from './tagged.js';

const INITIAL_BYTES = 8 * 1024;
/** A writer whose buffer grew past this drops it after the value, so one huge value does not pin memory. */
const KEEP_BYTES = 1024 * 1024;

// Dispatch for objects whose prototype is not Object.prototype/null: one map lookup by exact prototype.
const K_ARRAY = 1;
const K_DATE = 2;
const K_REGEXP = 3;
const K_MAP = 4;
const K_SET = 5;
const K_ARRAYBUFFER = 6;
const KIND_BY_PROTO = new Map<object, number>([
  [Array.prototype, K_ARRAY],
  [Date.prototype, K_DATE],
  [RegExp.prototype, K_REGEXP],
  [Map.prototype, K_MAP],
  [Set.prototype, K_SET],
  [ArrayBuffer.prototype, K_ARRAYBUFFER],
]);

const { getTime } = Date.prototype;
// Called through a saved reference: `s.charCodeAt(i)` loses V8's inlined fast path (Node 20) once any
// class in the process extends String, as ioredis's `VerbatimString` does (see keys/encode.ts).
const charCodeAt = String.prototype.charCodeAt;

/** Encodes one value into the default binary format; reusable, not re-entrant. */
export class DefaultWriter {
  #buf: Buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  #view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length);
  // The same memory as a plain Uint8Array: its `slice` copies out in one builtin call and returns a
  // plain Uint8Array (a Buffer's `copy` validates its arguments and makes a view on every call).
  #u8 = new Uint8Array(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length);
  #pos = 0;

  /** Encodes `value` and returns a fresh copy of the bytes; throws INVALID_VALUE (via the caller) on failure. */
  encode(value: unknown): Uint8Array {
    this.#pos = 0;
    try {
      this.#ensure(1);
      this.#buf[this.#pos++] = FORMAT_VERSION;
      this.#value(value, 0);
      return this.#u8.slice(0, this.#pos);
    } finally {
      if (this.#buf.length > KEEP_BYTES) this.#reset(INITIAL_BYTES);
    }
  }

  /**
   * `tag` followed by the encoding of `value`, copied out once into pooled memory (bytes for a
   * backend, see `allocBytes`); `VALUE_TOO_LARGE` when the encoding exceeds `maxBytes`.
   */
  encodeTagged(value: unknown, tag: number, maxBytes: number): Uint8Array {
    this.#pos = 0;
    try {
      this.#ensure(2);
      this.#buf[this.#pos++] = tag;
      this.#buf[this.#pos++] = FORMAT_VERSION;
      this.#value(value, 0);
      if (this.#pos - 1 > maxBytes) throw valueTooLarge(this.#pos - 1, maxBytes);
      const out = allocBytes(this.#pos);
      out.set(this.#u8.subarray(0, this.#pos));
      return out;
    } finally {
      if (this.#buf.length > KEEP_BYTES) this.#reset(INITIAL_BYTES);
    }
  }

  #reset(size: number): void {
    this.#buf = Buffer.allocUnsafeSlow(size);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length);
    this.#u8 = new Uint8Array(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length);
  }

  /** Makes room for `n` more bytes. */
  #ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    const old = this.#buf;
    try {
      this.#reset(Math.max(need, old.length * 2));
    } catch (cause) {
      throw new StoreError('VALUE_TOO_LARGE', `value too large to encode (${need} bytes)`, { cause });
    }
    old.copy(this.#buf, 0, 0, this.#pos);
  }

  #byte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = b;
  }

  /** Writes an unsigned LEB128 varint (`n` < 2^32); room must already be ensured (5 bytes). */
  #varint(n: number): void {
    const buf = this.#buf;
    let p = this.#pos;
    while (n >= 0x80) {
      buf[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[p++] = n;
    this.#pos = p;
  }

  #value(v: unknown, depth: number): void {
    switch (typeof v) {
      case 'string':
        this.#string(v);
        return;
      case 'number':
        this.#number(v);
        return;
      case 'boolean':
        this.#byte(v ? T_TRUE : T_FALSE);
        return;
      case 'undefined':
        this.#byte(T_UNDEFINED);
        return;
      case 'bigint':
        this.#bigint(v);
        return;
      case 'object':
        if (v === null) {
          this.#byte(T_NULL);
          return;
        }
        this.#object(v, depth);
        return;
      default:
        throw new EncodeFailure(describeUnsupportedPrimitive(v));
    }
  }

  #number(n: number): void {
    this.#ensure(9);
    const buf = this.#buf;
    // Small integers are by far the most common numbers (counts, indexes, ids): keep them short.
    // `n | 0` is an int32 only for integers in range; -0 must stay a float to survive.
    if ((n | 0) === n && (n !== 0 || 1 / n > 0)) {
      if (n >= 0 && n < 0x80) {
        buf[this.#pos++] = T_FIXINT + n;
      } else if (n >= -0x80 && n < 0x80) {
        buf[this.#pos++] = T_INT8;
        buf[this.#pos++] = n & 0xff;
      } else {
        buf[this.#pos++] = T_INT32;
        this.#view.setInt32(this.#pos, n, true);
        this.#pos += 4;
      }
      return;
    }
    buf[this.#pos++] = T_FLOAT64;
    this.#view.setFloat64(this.#pos, n, true);
    this.#pos += 8;
  }

  #string(s: string): void {
    const n = s.length;
    if (n < 0x80) {
      // ASCII fast path: one tag byte (plus a length byte past 31), one byte per unit, no native call.
      // On the first non-ASCII unit it falls through; the bytes written so far are simply overwritten.
      const start = this.#pos;
      const head = n <= FIXSTR_MAX ? 1 : 2;
      this.#ensure(head + n);
      const buf = this.#buf;
      let p = start + head;
      let i = 0;
      for (; i < n; i++) {
        const c = charCodeAt.call(s, i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        if (head === 1) {
          buf[start] = T_FIXSTR + n;
        } else {
          buf[start] = T_STRING;
          buf[start + 1] = n;
        }
        this.#pos = p;
        return;
      }
    }
    if (!isWellFormed(s)) {
      this.#string16(s);
      return;
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.#ensure(6 + bytes);
    if (bytes <= FIXSTR_MAX) {
      this.#buf[this.#pos++] = T_FIXSTR + bytes;
    } else {
      this.#buf[this.#pos++] = T_STRING;
      this.#varint(bytes);
    }
    this.#pos += this.#buf.write(s, this.#pos, bytes, 'utf8');
  }

  /** Strings with lone surrogates cannot go through UTF-8 unharmed: store their code units. */
  #string16(s: string): void {
    const n = s.length;
    this.#ensure(6 + 2 * n);
    const buf = this.#buf;
    buf[this.#pos++] = T_STRING16;
    this.#varint(n);
    let p = this.#pos;
    for (let i = 0; i < n; i++) {
      const c = charCodeAt.call(s, i);
      buf[p++] = c & 0xff;
      buf[p++] = c >>> 8;
    }
    this.#pos = p;
  }

  #bigint(v: bigint): void {
    const negative = v < 0n;
    let hex = (negative ? -v : v).toString(16);
    if (hex === '0') hex = '';
    else if (hex.length & 1) hex = `0${hex}`;
    const bytes = hex.length >>> 1;
    this.#ensure(6 + bytes);
    this.#buf[this.#pos++] = negative ? T_BIGINT_NEG : T_BIGINT_POS;
    this.#varint(bytes);
    this.#pos += this.#buf.write(hex, this.#pos, bytes, 'hex');
  }

  #object(v: object, depth: number): void {
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      this.#plain(v, depth);
      return;
    }
    const kind = KIND_BY_PROTO.get(proto as object);
    if (kind === K_ARRAY) {
      this.#array(v as unknown[], depth);
      return;
    }
    if (kind === K_DATE) {
      this.#ensure(9);
      this.#buf[this.#pos++] = T_DATE;
      this.#view.setFloat64(this.#pos, getTime.call(v), true);
      this.#pos += 8;
      return;
    }
    if (kind === K_REGEXP) {
      const re = v as RegExp;
      this.#byte(T_REGEXP);
      this.#string(re.source);
      this.#string(re.flags);
      return;
    }
    if (kind === K_MAP) {
      this.#map(v as Map<unknown, unknown>, depth);
      return;
    }
    if (kind === K_SET) {
      this.#set(v as Set<unknown>, depth);
      return;
    }
    if (kind === K_ARRAYBUFFER) {
      const ab = v as ArrayBuffer;
      this.#bytes(T_ARRAYBUFFER, -1, new Uint8Array(ab, 0, ab.byteLength));
      return;
    }
    const viewKind = VIEW_KIND_BY_PROTO.get(proto as object);
    if (viewKind !== undefined) {
      const view = v as ArrayBufferView;
      if (!HOST_LITTLE_ENDIAN && (VIEW_KINDS[viewKind]?.bytesPerElement ?? 1) > 1) {
        throw new StoreError('UNSUPPORTED', 'multi-byte typed arrays need a little-endian host');
      }
      this.#bytes(T_VIEW, viewKind, new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      return;
    }
    throw new EncodeFailure(describeUnsupportedObject(v));
  }

  /** Writes a tag, an optional kind byte (≥ 0), a length and raw bytes. */
  #bytes(tag: number, kind: number, bytes: Uint8Array): void {
    this.#ensure(7 + bytes.length);
    this.#buf[this.#pos++] = tag;
    if (kind >= 0) this.#buf[this.#pos++] = kind;
    this.#varint(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /** Writes a container header (tag and count) after the depth check. */
  #header(tag: number, count: number, container: object, depth: number): void {
    if (depth >= DECODE_LIMITS.maxDepth) throw tooDeep(container);
    this.#ensure(6);
    this.#buf[this.#pos++] = tag;
    this.#varint(count);
  }

  #array(a: unknown[], depth: number): void {
    const n = a.length;
    this.#header(T_ARRAY, n, a, depth);
    let i = 0;
    try {
      // Holes read as undefined, which is what they become.
      for (; i < n; i++) this.#value(a[i], depth + 1);
    } catch (err) {
      throw annotate(err, `[${i}]`, a);
    }
  }

  #plain(o: object, depth: number): void {
    // Symbol keys would be silently dropped: refuse them instead.
    if (Object.getOwnPropertySymbols(o).length > 0) {
      throw new EncodeFailure('cannot encode an object with symbol-keyed properties');
    }
    const keys = Object.keys(o);
    const n = keys.length;
    this.#header(T_OBJECT, n, o, depth);
    let key = '';
    try {
      for (let i = 0; i < n; i++) {
        key = keys[i] as string;
        const desc = Object.getOwnPropertyDescriptor(o, key);
        // Only data properties are plain data: a getter runs code and may answer differently each time.
        if (desc === undefined || !('value' in desc)) throw new EncodeFailure('cannot encode an accessor property');
        this.#string(key);
        this.#value(desc.value, depth + 1);
      }
    } catch (err) {
      throw annotate(err, propSegment(key), o);
    }
  }

  #map(m: Map<unknown, unknown>, depth: number): void {
    this.#header(T_MAP, m.size, m, depth);
    let i = 0;
    let part = 'key';
    try {
      for (const [k, v] of m) {
        part = 'key';
        this.#value(k, depth + 1);
        part = 'value';
        this.#value(v, depth + 1);
        i++;
      }
    } catch (err) {
      throw annotate(err, `<${part} ${i}>`, m);
    }
  }

  #set(s: Set<unknown>, depth: number): void {
    this.#header(T_SET, s.size, s, depth);
    let i = 0;
    try {
      for (const v of s) {
        this.#value(v, depth + 1);
        i++;
      }
    } catch (err) {
      throw annotate(err, `<item ${i}>`, s);
    }
  }
}
