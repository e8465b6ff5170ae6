import { StoreError } from '../errors.js';
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
  VIEW_KINDS,
} from './default-format.js';
import { DECODE_LIMITS } from './limits.js';

// `fatal`: malformed UTF-8 is an error, not U+FFFD; `ignoreBOM`: a leading U+FEFF is data, keep it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Strings up to this many bytes are tried as ASCII in plain JS before calling the native decoder. */
const SHORT_STRING = 24;
/**
 * Short ASCII strings decoded lately, by a hash of their bytes: object keys and enum-like values repeat
 * across and within payloads, and a hit returns the same (immutable) string without building one.
 */
const recent = new Array<string | undefined>(1024).fill(undefined);

// Through a saved reference, as in default-writer.ts: a String subclass anywhere in the process (ioredis
// has one) makes V8 (Node 20) stop inlining `s.charCodeAt(i)`.
const charCodeAt = String.prototype.charCodeAt;

/** Whether `s` (ASCII) is the bytes at `start`. */
function sameAscii(s: string, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < s.length; i++) if (charCodeAt.call(s, i) !== bytes[start + i]) return false;
  return true;
}

function bad(what: string, at: number): StoreError {
  return new StoreError('DECODE', `default codec: ${what} at byte ${at}`);
}

/**
 * Decodes one default-format payload. Treats the bytes as hostile: every length is checked against
 * the bytes left before anything is allocated, nesting is bounded, constructors come from fixed tables.
 */
export class DefaultReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos = 0;

  constructor(bytes: Uint8Array) {
    // Views of a Buffer (as some engines return values) are Buffers, made at several times the cost
    // of a plain view: every string is one. Read through a plain view of the same memory.
    this.#bytes =
      Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Decodes the whole payload: version byte, one value, nothing after it. */
  read(): unknown {
    const bytes = this.#bytes;
    if (bytes.length === 0) throw bad('empty payload', 0);
    if (bytes[0] !== FORMAT_VERSION) throw bad(`unknown format version ${bytes[0]}`, 0);
    this.#pos = 1;
    const value = this.#value(0);
    if (this.#pos !== bytes.length) throw bad('trailing bytes', this.#pos);
    return value;
  }

  /** Throws unless `n` more bytes remain. */
  #need(n: number): void {
    if (n > this.#bytes.length - this.#pos) throw bad(`length ${n} exceeds the remaining bytes`, this.#pos);
  }

  #byte(): number {
    const b = this.#bytes[this.#pos];
    if (b === undefined) throw bad('unexpected end', this.#pos);
    this.#pos++;
    return b;
  }

  /** An unsigned LEB128 varint of at most 5 bytes (< 2^32). */
  #varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.#byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > DECODE_LIMITS.maxLength) break;
        return result;
      }
      scale *= 128;
    }
    throw bad('length prefix too large', this.#pos);
  }

  /** A length that must fit in the remaining bytes, each item taking at least `minBytes`. */
  #count(minBytes: number): number {
    const n = this.#varint();
    this.#need(n * minBytes);
    return n;
  }

  #value(depth: number): unknown {
    const tag = this.#byte();
    if (tag >= T_FIXINT) return tag - T_FIXINT;
    if (tag >= T_FIXSTR && tag <= T_FIXSTR + FIXSTR_MAX) return this.#utf8(tag - T_FIXSTR);
    switch (tag) {
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_INT8:
        this.#need(1);
        return this.#view.getInt8(this.#pos++);
      case T_INT32: {
        this.#need(4);
        const n = this.#view.getInt32(this.#pos, true);
        this.#pos += 4;
        return n;
      }
      case T_FLOAT64:
        return this.#float64();
      case T_STRING:
        return this.#utf8(this.#count(1));
      case T_STRING16:
        return this.#utf16();
      case T_BIGINT_POS:
        return this.#bigint(false);
      case T_BIGINT_NEG:
        return this.#bigint(true);
      case T_DATE:
        return new Date(this.#float64());
      case T_REGEXP:
        return this.#regexp();
      case T_ARRAY:
        return this.#array(depth);
      case T_OBJECT:
        return this.#object(depth);
      case T_MAP:
        return this.#map(depth);
      case T_SET:
        return this.#set(depth);
      case T_ARRAYBUFFER:
        return this.#copy(this.#count(1)).buffer;
      case T_VIEW:
        return this.#typedView();
      default:
        throw bad(`unknown tag 0x${tag.toString(16)}`, this.#pos - 1);
    }
  }

  #float64(): number {
    this.#need(8);
    const n = this.#view.getFloat64(this.#pos, true);
    this.#pos += 8;
    return n;
  }

  /** `n` bytes of UTF-8 (any length prefix already read). */
  #utf8(n: number): string {
    this.#need(n);
    const bytes = this.#bytes;
    const start = this.#pos;
    const end = start + n;
    if (n <= SHORT_STRING) {
      let hash = n;
      let i = start;
      for (; i < end; i++) {
        const b = bytes[i] as number;
        if (b >= 0x80) break;
        hash = (Math.imul(hash, 31) + b) | 0;
      }
      if (i === end) {
        this.#pos = end;
        const slot = hash & (recent.length - 1);
        const known = recent[slot];
        if (known !== undefined && known.length === n && sameAscii(known, bytes, start)) return known;
        let s = '';
        for (let j = start; j < end; j++) s += String.fromCharCode(bytes[j] as number);
        recent[slot] = s;
        return s;
      }
    }
    let s: string;
    try {
      s = utf8.decode(bytes.subarray(start, end));
    } catch (cause) {
      throw new StoreError('DECODE', `default codec: invalid UTF-8 at byte ${start}`, { cause });
    }
    this.#pos = end;
    return s;
  }

  #utf16(): string {
    const n = this.#count(2);
    const bytes = this.#bytes;
    let p = this.#pos;
    // Built in chunks: String.fromCharCode with many arguments would blow the stack.
    const CHUNK = 4096;
    let s = '';
    const units = new Array<number>(Math.min(n, CHUNK));
    for (let done = 0; done < n; ) {
      const k = Math.min(CHUNK, n - done);
      units.length = k;
      for (let i = 0; i < k; i++, p += 2) units[i] = (bytes[p] as number) | ((bytes[p + 1] as number) << 8);
      s += String.fromCharCode(...units);
      done += k;
    }
    this.#pos = p;
    return s;
  }

  #bigint(negative: boolean): bigint {
    const n = this.#count(1);
    const bytes = this.#bytes;
    // Hex through Buffer is native and linear, also for very large BigInts.
    const hex = n === 0 ? '' : Buffer.from(bytes.buffer, bytes.byteOffset + this.#pos, n).toString('hex');
    this.#pos += n;
    const magnitude = n === 0 ? 0n : BigInt(`0x${hex}`);
    return negative ? -magnitude : magnitude;
  }

  #regexp(): RegExp {
    const at = this.#pos;
    const source = this.#string();
    const flags = this.#string();
    try {
      return new RegExp(source, flags);
    } catch (cause) {
      throw new StoreError('DECODE', `default codec: invalid RegExp at byte ${at}`, { cause });
    }
  }

  /** A string where only a string may stand (object keys, RegExp parts). */
  #string(): string {
    const tag = this.#byte();
    if (tag >= T_FIXSTR && tag <= T_FIXSTR + FIXSTR_MAX) return this.#utf8(tag - T_FIXSTR);
    if (tag === T_STRING) return this.#utf8(this.#count(1));
    if (tag === T_STRING16) return this.#utf16();
    throw bad('expected a string', this.#pos - 1);
  }

  /** A fresh copy of the next `n` bytes (checked by the caller), never a view of the input. */
  #copy(n: number): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(n);
    out.set(this.#bytes.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return out;
  }

  #typedView(): ArrayBufferView {
    const at = this.#pos;
    const kind = VIEW_KINDS[this.#byte()];
    if (kind === undefined) throw bad('unknown view kind', at);
    const n = this.#count(1);
    if (n % kind.bytesPerElement !== 0) throw bad('view length is not a whole number of elements', at);
    if (!HOST_LITTLE_ENDIAN && kind.bytesPerElement > 1) {
      throw new StoreError('UNSUPPORTED', 'multi-byte typed arrays need a little-endian host');
    }
    const copy = this.#copy(n);
    return kind.ctor === Uint8Array ? copy : new kind.ctor(copy.buffer);
  }

  #enter(depth: number, at: number): void {
    if (depth >= DECODE_LIMITS.maxDepth) throw bad(`nesting deeper than ${DECODE_LIMITS.maxDepth} levels`, at);
  }

  #array(depth: number): unknown[] {
    this.#enter(depth, this.#pos - 1);
    const n = this.#count(1);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(this.#value(depth + 1));
    return out;
  }

  #object(depth: number): Record<string, unknown> {
    this.#enter(depth, this.#pos - 1);
    // Each entry takes at least two bytes: a one-byte key (empty FIXSTR) and a one-byte value.
    const n = this.#count(2);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = this.#string();
      const value = this.#value(depth + 1);
      if (key === '__proto__') {
        // Assignment would call the prototype setter; define it as the plain own key it was.
        Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
      } else {
        // Object.prototype has no other setter, so assignment only ever creates an own data property.
        out[key] = value;
      }
    }
    return out;
  }

  #map(depth: number): Map<unknown, unknown> {
    this.#enter(depth, this.#pos - 1);
    const n = this.#count(2);
    const out = new Map<unknown, unknown>();
    for (let i = 0; i < n; i++) {
      const k = this.#value(depth + 1);
      out.set(k, this.#value(depth + 1));
    }
    return out;
  }

  #set(depth: number): Set<unknown> {
    this.#enter(depth, this.#pos - 1);
    const n = this.#count(1);
    const out = new Set<unknown>();
    for (let i = 0; i < n; i++) out.add(this.#value(depth + 1));
    return out;
  }
}
