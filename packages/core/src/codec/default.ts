import { StoreError } from '../errors.js';
import type { Codec } from '../types.js';
import { DefaultReader } from './default-reader.js';
import { DefaultWriter } from './default-writer.js';
import { toInvalidValue } from './failure.js';
import { type CopyingDecoder, DECODE_COPIES, ENCODE_TAGGED, type TaggedEncoder } from './tagged.js';

// One writer (and its buffer) serves every encode. Encoding runs no user code except Proxy traps,
// which could call back into encode: the flag gives such a nested call a writer of its own.
const shared = new DefaultWriter();
let sharedBusy = false;

function withWriter<R>(use: (writer: DefaultWriter) => R): R {
  const writer = sharedBusy ? new DefaultWriter() : shared;
  const owns = writer === shared;
  if (owns) sharedBusy = true;
  try {
    return use(writer);
  } catch (err) {
    throw toInvalidValue(err);
  } finally {
    if (owns) sharedBusy = false;
  }
}

function encode(value: unknown): Uint8Array {
  return withWriter((writer) => writer.encode(value));
}

function encodeTagged(value: unknown, tag: number, maxBytes: number): Uint8Array {
  return withWriter((writer) => writer.encodeTagged(value, tag, maxBytes));
}

function decode(bytes: Uint8Array): unknown {
  try {
    return new DefaultReader(bytes).read();
  } catch (err) {
    if (err instanceof StoreError) throw err;
    // Defence in depth: whatever slipped past the checks is still reported as undecodable bytes.
    throw new StoreError('DECODE', 'default codec: undecodable bytes', { cause: err });
  }
}

/**
 * The default value codec: a compact tagged binary format that round-trips what structured clone
 * does on plain data (SPEC §3). Throws `INVALID_VALUE` naming the path of what it cannot encode and
 * `DECODE` on bytes it did not write.
 */
export const defaultCodec: Codec<unknown> = Object.freeze({
  name: 'default',
  encode,
  decode,
  [ENCODE_TAGGED]: encodeTagged,
  // DefaultReader copies byte arrays out and builds strings: nothing it returns shares the input.
  [DECODE_COPIES]: true,
} satisfies Codec<unknown> & TaggedEncoder<unknown> & CopyingDecoder);
