import { assertJsonDepth } from '../codec/json-depth.js';
import { StoreError } from '../errors.js';
import { readUint64, writeUint64 } from '../keys/segment.js';
import type { ByteRange } from '../spi/backend.js';
import type { Json } from '../types.js';
import type { ArtifactTier } from './types.js';

// Internal key spaces of an artifacts domain (all below 0x10, so no user key can collide).
const HEAD = 0x01; //    HEAD                                   → domain head (JSON: counters, use, budgets)
const ENTRY = 0x0b; //   ENTRY ++ utf8(key)                     → entry (JSON: blob id, size, tier, seq, meta, leases, chunk size)
const LRU = 0x0c; //     LRU ++ tier ++ u64be(useSeq)           → utf8(key)
const CHUNK = 0x0d; //   CHUNK ++ u64be(blobId) ++ u32be(index) → chunk bytes
const LEASED = 0x0e; //  LEASED ++ utf8(key)                    → empty (the entry holds leases)
const INFLIGHT = 0x0f; // INFLIGHT 01 ++ utf8(key)              → reservation (JSON)
//                        INFLIGHT 02 ++ u64be(blobId)          → unfinished or discarded blob (JSON)
const RESERVATION = 0x01;
const PENDING = 0x02;

/** Streamed blobs, and entries written before `chunkBytes` existed, are in chunks of this many bytes (the last one may be shorter). */
export const CHUNK_BYTES = 256 * 1024;
/**
 * A blob put whole up to this size is stored as one value (`Entry.chunkBytes` = its size): a hit is
 * then one read of the backend's value, returned as is, like a raw read of the same bytes. Larger
 * ones keep CHUNK_BYTES chunks, so no single value grows past this.
 */
export const WHOLE_BLOB_BYTES = 16 * 1024 * 1024;
/** The chunk size a blob put whole in one call is stored with. */
export const chunkBytesFor = (size: number): number => (size > 0 && size <= WHOLE_BLOB_BYTES ? size : CHUNK_BYTES);
/** Longest key, in UTF-8 bytes (internal keys stay well under the backends' 1 KiB). */
export const MAX_KEY_BYTES = 512;

/** Tier → the byte used in LRU keys and the index in head arrays. */
export const TIER_INDEX: Readonly<Record<ArtifactTier, 0 | 1>> = { ram: 0, disk: 1 };
export const TIERS: readonly ArtifactTier[] = ['ram', 'disk'];

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const text = (bytes: Uint8Array, from = 0): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset + from, bytes.byteLength - from).toString('utf8');

function tagged(tag: number[], tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(tag.length + tail.byteLength);
  out.set(tag);
  out.set(tail, tag.length);
  return out;
}

function tagged64(tag: number[], n: number, extra = 0): Uint8Array {
  const out = new Uint8Array(tag.length + 8 + extra);
  out.set(tag);
  writeUint64(out, tag.length, n);
  return out;
}

export const HEAD_KEY = Uint8Array.of(HEAD);
export const entryKey = (key: string): Uint8Array => tagged([ENTRY], utf8(key));
export const keyOfEntryKey = (k: Uint8Array): string => text(k, 1);
/** Every entry (for stats and scans). */
export const ENTRY_RANGE: ByteRange = { gte: Uint8Array.of(ENTRY), lt: Uint8Array.of(ENTRY + 1) };

export const lruKey = (tier: 0 | 1, seq: number): Uint8Array => tagged64([LRU, tier], seq);
/** The whole LRU index of one tier, oldest first. */
export const lruRange = (tier: 0 | 1): { gte: Uint8Array; lt: Uint8Array } => ({
  gte: Uint8Array.of(LRU, tier),
  lt: Uint8Array.of(LRU, tier + 1),
});
export const seqOfLruKey = (k: Uint8Array): number => readUint64(k, 2);

export function chunkKey(blobId: number, index: number): Uint8Array {
  const out = tagged64([CHUNK], blobId, 4);
  new DataView(out.buffer).setUint32(9, index);
  return out;
}
/** Every chunk of one blob. */
export const chunkRange = (blobId: number): { gte: Uint8Array; lt: Uint8Array } => ({
  gte: tagged64([CHUNK], blobId),
  lt: tagged64([CHUNK], blobId + 1),
});
/** Every chunk of the domain. */
export const CHUNK_RANGE: ByteRange = { gte: Uint8Array.of(CHUNK), lt: Uint8Array.of(CHUNK + 1) };
export const blobOfChunkKey = (k: Uint8Array): number => readUint64(k, 1);
/** Chunks of a blob of `size` bytes stored in chunks of `chunkBytes`. */
export const chunkCount = (size: number, chunkBytes = CHUNK_BYTES): number => Math.ceil(size / chunkBytes);
/** Chunks of an entry's blob (CHUNK_BYTES for entries that do not say). */
export const entryChunks = (e: Entry): number => chunkCount(e.size, e.chunkBytes);

export const leasedKey = (key: string): Uint8Array => tagged([LEASED], utf8(key));
export const LEASED_RANGE: ByteRange = { gte: Uint8Array.of(LEASED), lt: Uint8Array.of(LEASED + 1) };
export const keyOfLeasedKey = (k: Uint8Array): string => text(k, 1);

export const reservationKey = (key: string): Uint8Array => tagged([INFLIGHT, RESERVATION], utf8(key));
export const RESERVATION_RANGE: ByteRange = { gte: Uint8Array.of(INFLIGHT, RESERVATION), lt: Uint8Array.of(INFLIGHT, RESERVATION + 1) };
export const pendingKey = (blobId: number): Uint8Array => tagged64([INFLIGHT, PENDING], blobId);
export const PENDING_RANGE: ByteRange = { gte: Uint8Array.of(INFLIGHT, PENDING), lt: Uint8Array.of(INFLIGHT, PENDING + 1) };
export const blobOfPendingKey = (k: Uint8Array): number => readUint64(k, 2);

function parse(bytes: Uint8Array, what: string): Record<string, unknown> {
  let raw: unknown;
  assertJsonDepth(bytes); // stored bytes may have been written behind the API
  try {
    raw = JSON.parse(text(bytes));
  } catch (err) {
    throw new StoreError('DECODE', `malformed artifacts ${what}`, { cause: err });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new StoreError('DECODE', `malformed artifacts ${what}`);
  return raw as Record<string, unknown>;
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isBudget = (x: unknown): x is number | null | undefined => x === undefined || x === null || isCount(x);
const isPair = (x: unknown): x is [number, number] => Array.isArray(x) && x.length === 2 && isCount(x[0]) && isCount(x[1]);

/** The domain head. A budget is undefined when never recorded, null when explicitly unlimited. */
export interface Head {
  /** Last use-sequence number issued (LRU order). */
  seq: number;
  /** Last blob id issued. */
  blob: number;
  /** Bytes of live blobs per tier (ram, disk). */
  used: [number, number];
  /** Live blobs per tier. */
  count: [number, number];
  budget: number | null | undefined;
  tierBudgets: [number | null | undefined, number | null | undefined];
}

export function decodeHead(bytes: Uint8Array | undefined): Head {
  if (bytes === undefined) return { seq: 0, blob: 0, used: [0, 0], count: [0, 0], budget: undefined, tierBudgets: [undefined, undefined] };
  const r = parse(bytes, 'head');
  const t = (r.T ?? {}) as Record<string, unknown>;
  if (
    !isCount(r.s) ||
    !isCount(r.b) ||
    !isPair(r.u) ||
    !isPair(r.n) ||
    !isBudget(r.B) ||
    typeof t !== 'object' ||
    !isBudget(t.r) ||
    !isBudget(t.d)
  ) {
    throw new StoreError('DECODE', 'malformed artifacts head');
  }
  return { seq: r.s, blob: r.b, used: [...r.u], count: [...r.n], budget: r.B, tierBudgets: [t.r, t.d] };
}

export function encodeHead(h: Head): Uint8Array {
  const rec: Record<string, unknown> = { s: h.seq, b: h.blob, u: h.used, n: h.count };
  if (h.budget !== undefined) rec.B = h.budget;
  // Undefined (never recorded) and null (explicitly unlimited) differ: an unrecorded budget is omitted.
  if (h.tierBudgets[0] !== undefined || h.tierBudgets[1] !== undefined) rec.T = { r: h.tierBudgets[0], d: h.tierBudgets[1] };
  return utf8(JSON.stringify(rec));
}

/**
 * Who holds a lease, a reservation or an unfinished write: a random per-process token, the pid, the
 * host (name, boot id and pid namespace: see `owner.ts`) and, where /proc tells it, the process start
 * time in clock ticks since boot, so a reused pid is not taken for the holder.
 */
export interface Owner {
  readonly token: string;
  readonly pid: number;
  readonly host: string;
  readonly start?: number;
}

const isOwner = (o: Record<string, unknown>): boolean =>
  typeof o.o === 'string' && isCount(o.p) && typeof o.h === 'string' && (o.s === undefined || isCount(o.s));

/** The owner fields of a decoded record (`o`, `p`, `h`, `s`). */
const ownerOf = (o: Record<string, unknown>): Owner => ({
  token: o.o as string,
  pid: o.p as number,
  host: o.h as string,
  ...(o.s === undefined ? {} : { start: o.s as number }),
});

/** The owner fields of a record to encode. */
const ownerFields = (o: Owner): Record<string, unknown> => ({
  o: o.token,
  p: o.pid,
  h: o.host,
  ...(o.start === undefined ? {} : { s: o.start }),
});

/** One lease on an entry. */
export interface LeaseRecord extends Owner {
  readonly id: string;
  readonly expiresAt: number;
}

/** A stored blob's entry. */
export interface Entry {
  readonly blob: number;
  readonly size: number;
  readonly tier: 0 | 1;
  readonly seq: number;
  readonly lastUsed: number;
  readonly createdAt: number;
  readonly meta: Record<string, Json>;
  readonly leases: readonly LeaseRecord[];
  /** An external blob (registered, or published in two stages): its file, relative to dataDir, and SHA-256. */
  readonly file?: ExternalFile;
  /** Bytes per chunk of the blob; absent: CHUNK_BYTES (streamed blobs, and every entry of earlier versions). */
  readonly chunkBytes?: number;
}

/** A blob whose bytes live in a file under dataDir instead of the domain's chunks. */
export interface ExternalFile {
  /** Path relative to dataDir ('/'-separated). */
  readonly path: string;
  /** SHA-256 of the bytes, lowercase hex. */
  readonly sha256: string;
}

const isSha = (x: unknown): x is string => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x);

export function decodeEntry(bytes: Uint8Array): Entry {
  const r = parse(bytes, 'entry');
  const leases = r.l ?? [];
  const ok =
    isCount(r.b) &&
    isCount(r.z) &&
    (r.t === 0 || r.t === 1) &&
    isCount(r.s) &&
    typeof r.u === 'number' &&
    typeof r.c === 'number' &&
    r.m !== null &&
    typeof r.m === 'object' &&
    !Array.isArray(r.m) &&
    Array.isArray(leases) &&
    leases.every(
      (l: Record<string, unknown>) =>
        l !== null && typeof l === 'object' && typeof l.i === 'string' && typeof l.x === 'number' && isOwner(l),
    );
  if (!ok || (r.f !== undefined && (typeof r.f !== 'string' || !isSha(r.h)))) throw new StoreError('DECODE', 'malformed artifacts entry');
  if (r.k !== undefined && !(isCount(r.k) && (r.k as number) > 0)) throw new StoreError('DECODE', 'malformed artifacts entry');
  return {
    ...(r.f === undefined ? {} : { file: { path: r.f as string, sha256: r.h as string } }),
    ...(r.k === undefined ? {} : { chunkBytes: r.k as number }),
    blob: r.b as number,
    size: r.z as number,
    tier: r.t as 0 | 1,
    seq: r.s as number,
    lastUsed: r.u as number,
    createdAt: r.c as number,
    meta: r.m as Record<string, Json>,
    leases: (leases as Array<Record<string, unknown>>).map((l) => ({ id: l.i as string, expiresAt: l.x as number, ...ownerOf(l) })),
  };
}

export function encodeEntry(e: Entry): Uint8Array {
  const rec: Record<string, unknown> = { b: e.blob, z: e.size, t: e.tier, s: e.seq, u: e.lastUsed, c: e.createdAt, m: e.meta };
  if (e.leases.length > 0) rec.l = e.leases.map((l) => ({ i: l.id, x: l.expiresAt, ...ownerFields(l) }));
  if (e.chunkBytes !== undefined && e.chunkBytes !== CHUNK_BYTES) rec.k = e.chunkBytes;
  if (e.file !== undefined) {
    rec.f = e.file.path;
    rec.h = e.file.sha256;
  }
  return utf8(JSON.stringify(rec));
}

/**
 * The first stage of a two-stage publish (`prelink`): the file the reservation's holder is about to
 * link into place, with what it must hold, so that the next owner can adopt it after a crash.
 */
export interface PublishRecord extends ExternalFile {
  readonly size: number;
  readonly tier: 0 | 1;
  readonly meta: Record<string, Json>;
  /** The holder's staging file (relative to dataDir), removed when the publish is discarded. */
  readonly staging?: string;
}

/** A reservation of a key. */
export interface ReservationRecord extends Owner {
  readonly id: string;
  readonly expiresAt: number;
  /** Set by `prelink`, until `postlink` (or adoption) turns it into an entry. */
  readonly publish?: PublishRecord;
}

function decodePublish(raw: unknown): PublishRecord | undefined {
  if (raw === undefined) return undefined;
  const p = raw as Record<string, unknown> | null;
  const ok =
    p !== null &&
    typeof p === 'object' &&
    typeof p.f === 'string' &&
    isSha(p.h) &&
    isCount(p.z) &&
    (p.t === 0 || p.t === 1) &&
    p.m !== null &&
    typeof p.m === 'object' &&
    !Array.isArray(p.m) &&
    (p.s === undefined || typeof p.s === 'string');
  if (!ok) throw new StoreError('DECODE', 'malformed artifacts reservation');
  return {
    path: p.f as string,
    sha256: p.h as string,
    size: p.z as number,
    tier: p.t as 0 | 1,
    meta: p.m as Record<string, Json>,
    ...(p.s === undefined ? {} : { staging: p.s as string }),
  };
}

export function decodeReservation(bytes: Uint8Array): ReservationRecord {
  const r = parse(bytes, 'reservation');
  if (typeof r.r !== 'string' || typeof r.x !== 'number' || !isOwner(r)) throw new StoreError('DECODE', 'malformed artifacts reservation');
  const publish = decodePublish(r.P);
  return { id: r.r, expiresAt: r.x, ...ownerOf(r), ...(publish === undefined ? {} : { publish }) };
}

export function encodeReservation(r: ReservationRecord): Uint8Array {
  const rec: Record<string, unknown> = { r: r.id, x: r.expiresAt, ...ownerFields(r) };
  const p = r.publish;
  if (p !== undefined)
    rec.P = { f: p.path, h: p.sha256, z: p.size, t: p.tier, m: p.meta, ...(p.staging === undefined ? {} : { s: p.staging }) };
  return utf8(JSON.stringify(rec));
}

/**
 * A blob whose chunks are not referenced by an entry: being streamed (`writing`, until `expiresAt` or
 * its writer's death) or discarded (`trash`, its chunks are removed in batches). `chunks` counts the
 * chunks stored. `owner` is the writer of a streamed blob (absent in the trash of a removed blob and in
 * records of earlier versions).
 */
export interface PendingRecord {
  readonly state: 'writing' | 'trash';
  readonly chunks: number;
  readonly bytes: number;
  readonly expiresAt: number;
  readonly token: string;
  readonly owner?: Owner;
}

export function decodePending(bytes: Uint8Array): PendingRecord {
  const r = parse(bytes, 'pending blob');
  const w = r.w;
  const owner = w !== null && typeof w === 'object' && !Array.isArray(w) ? (w as Record<string, unknown>) : undefined;
  if (
    (r.s !== 'w' && r.s !== 't') ||
    !isCount(r.c) ||
    !isCount(r.n) ||
    typeof r.x !== 'number' ||
    typeof r.o !== 'string' ||
    (w !== undefined && (owner === undefined || !isOwner(owner)))
  ) {
    throw new StoreError('DECODE', 'malformed artifacts pending blob');
  }
  const p = { state: r.s === 'w' ? 'writing' : 'trash', chunks: r.c, bytes: r.n, expiresAt: r.x, token: r.o } as const;
  return owner === undefined ? p : { ...p, owner: ownerOf(owner) };
}

export function encodePending(p: PendingRecord): Uint8Array {
  const rec: Record<string, unknown> = { s: p.state === 'writing' ? 'w' : 't', c: p.chunks, n: p.bytes, x: p.expiresAt, o: p.token };
  if (p.owner !== undefined) rec.w = ownerFields(p.owner);
  return utf8(JSON.stringify(rec));
}
