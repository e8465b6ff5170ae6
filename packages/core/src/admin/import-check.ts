import * as artifacts from '../artifacts/artifact-layout.js';
import * as checkpoints from '../checkpoints/checkpoint-layout.js';
import { rawCodec } from '../codec/index.js';
import { StoreError } from '../errors.js';
import * as journal from '../journal/journal-layout.js';
import { compareBytes, decodeKey, equalBytes, MAX_KEY_BYTES, USER_KEY_END, USER_KEY_MIN } from '../keys/index.js';
import { TTL_MARKER_KEY } from '../kv/ttl-record.js';
import { isCounter, decodeValue as kvValue } from '../kv/value-envelope.js';
import { KIND_KEY } from '../runtime/kinds.js';
import { isMigrationKey } from '../runtime/migration-guard.js';
import * as snapshots from '../snapshots/snapshot-layout.js';
import type { DomainKind } from '../types.js';
import * as vectors from '../vectors/vectors-layout.js';
import * as versioned from '../versioned/versioned-layout.js';

/** Decodes one raw entry of a key space and returns the size of its user payload (held to `maxValueBytes`). */
type EntryDecoder = (key: Uint8Array, value: Uint8Array) => number;

const byteOf = (bytes: Uint8Array | undefined): number => (bytes as Uint8Array)[0] as number;
const none = (): number => 0;
/** A key space whose records carry no user payload: decoding them is the whole check. */
const decodes =
  (decode: (value: Uint8Array) => unknown): EntryDecoder =>
  (_key, value) => {
    decode(value);
    return 0;
  };

function kvEntry(key: Uint8Array, value: Uint8Array): number {
  decodeKey(key); // canonical encodings only: decode(bytes) re-encodes to the same bytes
  kvValue(rawCodec, value); // the record tag, and a counter's 8 bytes
  return isCounter(value) ? 0 : value.byteLength - 1;
}

// Every key space of every kind, keyed by the first key byte; the bytes come from each kind's layout
// file, so a layout and this table cannot drift apart. A key space not listed here is not that kind's.
const USER_SPACE = new Map<number, EntryDecoder>();
for (let b = USER_KEY_MIN; b < USER_KEY_END; b++) USER_SPACE.set(b, kvEntry);
// Below the user keys a kv domain holds only its TTL marker (after the kind record, checked apart).
USER_SPACE.set(byteOf(TTL_MARKER_KEY), (key) => {
  if (!equalBytes(key, TTL_MARKER_KEY)) throw new StoreError('DECODE', 'an unknown kv meta record');
  return 0;
});

const SPACES: Readonly<Record<DomainKind, ReadonlyMap<number, EntryDecoder>>> = {
  kv: USER_SPACE,
  checkpoints: new Map<number, EntryDecoder>([
    [byteOf(checkpoints.headKey('')), decodes(checkpoints.decodeHead)],
    [byteOf(checkpoints.indexRange('').gte), decodes(checkpoints.decodeInfo)],
    [byteOf(checkpoints.RECORD_RANGE.gte), (_k, v) => checkpoints.decodeRecord(v).data.byteLength],
  ]),
  journal: new Map<number, EntryDecoder>([
    [byteOf(journal.headKey('')), decodes(journal.decodeHead)],
    [byteOf(journal.ENTRY_RANGE.gte), (_k, v) => journal.decodeEntry(v).value.byteLength],
  ]),
  versioned: new Map<number, EntryDecoder>([
    [byteOf(versioned.headKey(new Uint8Array(0))), decodes(versioned.decodeHead)],
    [
      byteOf(versioned.VERSION_RANGE.gte),
      (_k, v) => {
        versioned.decodeHeader(v);
        return versioned.versionValue(v).byteLength;
      },
    ],
  ]),
  snapshots: new Map<number, EntryDecoder>([
    [byteOf(snapshots.EPOCH_KEY), decodes(snapshots.epochOf)],
    [
      byteOf(snapshots.SNAPSHOT_KEY),
      (_k, v) => {
        const record = snapshots.decodeRecord(v);
        return record.opts.byteLength + record.snapshot.byteLength;
      },
    ],
  ]),
  artifacts: new Map<number, EntryDecoder>([
    [byteOf(artifacts.HEAD_KEY), decodes(artifacts.decodeHead)],
    [byteOf(artifacts.ENTRY_RANGE.gte), decodes(artifacts.decodeEntry)],
    [byteOf(artifacts.lruRange(0).gte), none],
    [byteOf(artifacts.CHUNK_RANGE.gte), (_k, v) => chunkBytes(v)],
    [byteOf(artifacts.LEASED_RANGE.gte), none],
    [byteOf(artifacts.RESERVATION_RANGE.gte), inflightEntry],
  ]),
  vectors: new Map<number, EntryDecoder>([
    [byteOf(vectors.HEAD_KEY), decodes(vectors.decodeHead)],
    [byteOf(vectors.ENTRY_RANGE.gte), (_k, v) => vectors.entryPayload(v)],
    [byteOf(vectors.CHANGE_RANGE.gte), vectorChange],
    [byteOf(vectors.TOMB_RANGE.gte), decodes(vectors.decodeTomb)],
  ]),
};

/** A vectors change record: its seq in the key, a user key as its value. */
function vectorChange(key: Uint8Array, value: Uint8Array): number {
  vectors.changeSeq(key);
  decodeKey(value);
  return 0;
}

function chunkBytes(value: Uint8Array): number {
  // A blob put whole is one chunk of up to WHOLE_BLOB_BYTES; streamed ones use CHUNK_BYTES.
  if (value.byteLength > Math.max(artifacts.CHUNK_BYTES, artifacts.WHOLE_BLOB_BYTES))
    throw new StoreError('DECODE', `an artifact chunk of ${value.byteLength} bytes`);
  return 0; // a blob is held to maxValueBytes by its entry's size, not chunk by chunk
}

// The artifacts in-flight space holds two record types, told apart by the second key byte.
const RESERVATION = (artifacts.RESERVATION_RANGE.gte as Uint8Array)[1];
const PENDING = (artifacts.PENDING_RANGE.gte as Uint8Array)[1];

function inflightEntry(key: Uint8Array, value: Uint8Array): number {
  if (key[1] === RESERVATION) artifacts.decodeReservation(value);
  else if (key[1] === PENDING) artifacts.decodePending(value);
  else throw new StoreError('DECODE', 'an unknown artifacts in-flight record');
  return 0;
}

const KINDS: ReadonlySet<string> = new Set(Object.keys(SPACES));

/** Whether `kind` names a domain kind. */
export function isDomainKind(kind: unknown): kind is DomainKind {
  return typeof kind === 'string' && KINDS.has(kind);
}

function hex(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 16)).toString('hex');
  return bytes.byteLength > 16 ? `${text}…` : text;
}

/**
 * Checks the raw entries of an export, in file order, against the domain they are going into:
 * strictly ascending keys, the kind record first (and matching `kind`), every key in a key space of
 * that kind, every value decoding as that key space's record, user payloads within `maxValueBytes`.
 * Each failure is a `StoreError` naming the entry (1-based): `INVALID_KEY` for a key that is empty
 * or over 1 KiB, `VALUE_TOO_LARGE` for a payload over the limit, `CORRUPT` for anything malformed.
 */
export class ImportCheck {
  readonly #declared: DomainKind | null | undefined;
  readonly #maxValueBytes: number;
  #kind: DomainKind | undefined;
  #previous: Uint8Array | undefined;
  /** Entries checked so far. */
  count = 0;

  /** `kind`: what the file says it holds (null: nothing); undefined takes the kind record's word. */
  constructor(kind: DomainKind | null | undefined, maxValueBytes: number) {
    this.#declared = kind;
    this.#maxValueBytes = maxValueBytes;
  }

  /** The kind the entries hold (known after the first entry). */
  get kind(): DomainKind | undefined {
    return this.#kind;
  }

  /** Checks the next entry; throws without changing anything when it is not acceptable. */
  add(key: Uint8Array, value: Uint8Array): void {
    const n = this.count + 1;
    const fail = (code: 'CORRUPT' | 'INVALID_KEY' | 'VALUE_TOO_LARGE', why: string, cause?: unknown): StoreError =>
      new StoreError(code, `entry ${n} (key ${hex(key)}): ${why}`, cause === undefined ? {} : { cause });
    if (key.byteLength === 0 || key.byteLength > MAX_KEY_BYTES) {
      throw fail('INVALID_KEY', `a key of ${key.byteLength} bytes (keys are 1 to ${MAX_KEY_BYTES} bytes)`);
    }
    if (this.#previous !== undefined && compareBytes(this.#previous, key) >= 0) {
      throw fail('CORRUPT', 'keys out of order or repeated (an export lists each key once, in order)');
    }
    if (isMigrationKey(key)) throw fail('CORRUPT', 'a migration marker (exports never hold one)');
    if (this.#kind === undefined) this.#kind = this.#kindRecord(key, value, fail);
    else this.#decode(this.#kind, key, value, fail);
    this.#previous = key;
    this.count = n;
  }

  /** Checks what only the end can tell: a file that declares a kind holds its kind record. */
  finish(): void {
    if (this.count === 0 && this.#declared) {
      throw new StoreError('CORRUPT', `the file declares kind ${this.#declared} but holds no entries`);
    }
  }

  #kindRecord(key: Uint8Array, value: Uint8Array, fail: (code: 'CORRUPT', why: string) => StoreError): DomainKind {
    // KIND_KEY sorts before every other key a domain holds, so in an ordered export it comes first.
    if (!equalBytes(key, KIND_KEY)) throw fail('CORRUPT', 'the first entry is not the kind record');
    const recorded = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
    if (!isDomainKind(recorded)) throw fail('CORRUPT', `the kind record names no known kind ("${recorded.slice(0, 32)}")`);
    if (this.#declared !== undefined && this.#declared !== recorded) {
      throw fail('CORRUPT', `the kind record says ${recorded}, the file's header ${String(this.#declared)}`);
    }
    return recorded;
  }

  #decode(
    kind: DomainKind,
    key: Uint8Array,
    value: Uint8Array,
    fail: (code: 'CORRUPT' | 'VALUE_TOO_LARGE', why: string, cause?: unknown) => StoreError,
  ): void {
    const decoder = SPACES[kind].get(key[0] as number);
    if (decoder === undefined)
      throw fail('CORRUPT', `key space 0x${byteOf(key).toString(16).padStart(2, '0')} is not used by ${kind} domains`);
    let payload: number;
    try {
      payload = decoder(key, value);
    } catch (err) {
      throw fail('CORRUPT', err instanceof Error ? err.message : String(err), err);
    }
    if (payload > this.#maxValueBytes) {
      throw fail('VALUE_TOO_LARGE', `a value of ${payload} bytes; the domain allows ${this.#maxValueBytes}`);
    }
  }
}
