import { StoreError } from '../errors.js';
import type { Codec } from '../types.js';

function isUint8Array(value: unknown): value is Uint8Array {
  // The tag check also accepts Uint8Arrays from other realms; a Buffer is a Uint8Array too.
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]');
}

/** A plain Uint8Array copy: never a Buffer, never sharing memory with what it was made from. */
function copy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

function encode(value: Uint8Array): Uint8Array {
  if (!isUint8Array(value)) {
    throw new StoreError('INVALID_VALUE', 'raw codec: value must be a Uint8Array (or Buffer) at $');
  }
  // Copied so that later changes to the caller's array cannot reach stored data.
  return copy(value);
}

function decode(bytes: Uint8Array): Uint8Array {
  return copy(bytes);
}

/** Bytes in, bytes out: accepts a Uint8Array or Buffer, returns plain Uint8Array copies. */
export const rawCodec: Codec<Uint8Array> = Object.freeze({ name: 'raw', encode, decode });
