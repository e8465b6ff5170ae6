import type { OpenDomain } from '../runtime/backend-pool.js';
import type { ByteRange } from '../spi/backend.js';
import type { ArtifactContext } from './artifact-context.js';
import {
  blobOfChunkKey,
  blobOfPendingKey,
  CHUNK_RANGE,
  chunkRange,
  decodeEntry,
  decodeHead,
  decodePending,
  decodeReservation,
  ENTRY_RANGE,
  HEAD_KEY,
  keyOfLeasedKey,
  LEASED_RANGE,
  lruRange,
  PENDING_RANGE,
  RESERVATION_RANGE,
  reservationKey,
  seqOfLruKey,
} from './artifact-layout.js';
import { OwnerCheck } from './owner.js';
import type { ArtifactAudit, ArtifactUsage, GcResult } from './types.js';

/** Records handled per `gc` transaction. */
const GC_BATCH = 256;

const text = (b: Uint8Array, from = 0): string => Buffer.from(b.buffer, b.byteOffset + from, b.byteLength - from).toString('utf8');

/** Keys (or key/value pairs) of a range, read page by page. */
async function collect<T>(d: OpenDomain, range: ByteRange, pick: (k: Uint8Array, v: Uint8Array) => T | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const [k, v] of d.backend.range(range)) {
    const x = pick(k, v);
    if (x !== undefined) out.push(x);
  }
  return out;
}

/** `usage()`: recorded budgets and the accounting, from the head. */
export async function usageOf(d: OpenDomain): Promise<ArtifactUsage> {
  const h = decodeHead(await d.backend.get(HEAD_KEY));
  const tier = (t: 0 | 1) => ({ budgetBytes: h.tierBudgets[t] ?? null, usedBytes: h.used[t], count: h.count[t] });
  return {
    budgetBytes: h.budget ?? null,
    usedBytes: h.used[0] + h.used[1],
    count: h.count[0] + h.count[1],
    tiers: { ram: tier(0), disk: tier(1) },
  };
}

/** `lru()`: keys of `tiers` oldest first, merged by use-sequence number. */
export async function lruKeys(d: OpenDomain, tiers: ReadonlyArray<0 | 1>, limit: number | undefined): Promise<string[]> {
  const all: Array<[number, string]> = [];
  for (const t of tiers) {
    const range = { ...lruRange(t), ...(limit === undefined ? {} : { limit }) };
    for await (const [k, v] of d.backend.range(range)) all.push([seqOfLruKey(k), text(v)]);
  }
  all.sort((a, b) => a[0] - b[0]);
  const keys = all.map(([, key]) => key);
  return limit === undefined ? keys : keys.slice(0, limit);
}

/**
 * `gc()`: reservations and leases that lapsed or whose owner died on this host, unfinished writes that
 * lapsed or whose writer died, discarded blobs, and (deep) orphan chunks.
 */
export async function collectGarbage(ac: ArtifactContext, d: OpenDomain, deep: boolean): Promise<GcResult> {
  const now = Date.now();
  const owners = new OwnerCheck();
  // Reservations that have lapsed or lost their owner: removed in transactions that check again.
  const lapsed = await collect(d, RESERVATION_RANGE, (k, v) => {
    const r = decodeReservation(v);
    return r.expiresAt <= now || owners.gone(r) ? text(k, 2) : undefined;
  });
  let reservations = 0;
  for (let i = 0; i < lapsed.length; i += GC_BATCH) {
    const keys = lapsed.slice(i, i + GC_BATCH);
    reservations += await ac.write(d, (at) => {
      let n = 0;
      for (const key of keys) {
        const raw = at.tx.get(reservationKey(key));
        const r = raw === undefined ? undefined : decodeReservation(raw);
        if (r !== undefined && (r.expiresAt <= at.now || at.owners.gone(r))) {
          at.tx.del(reservationKey(key));
          n++;
        }
      }
      return n;
    });
    for (const key of keys) ac.local(d).notify(key);
  }
  // Leases that have lapsed or whose holder died on this host.
  const leasedKeys = await collect(d, LEASED_RANGE, (k) => keyOfLeasedKey(k));
  let leases = 0;
  for (let i = 0; i < leasedKeys.length; i += GC_BATCH) {
    const keys = leasedKeys.slice(i, i + GC_BATCH);
    leases += await ac.write(d, (at) => {
      let n = 0;
      for (const key of keys) {
        const e = at.entry(key);
        if (e === undefined) continue;
        const kept = at.liveLeases(e.leases);
        if (kept.length === e.leases.length) continue;
        n += e.leases.length - kept.length;
        at.rewrite(key, { ...e, leases: kept }, e.leases.length > 0);
      }
      return n;
    });
  }
  // Unfinished writes that lapsed and discarded blobs.
  const pending = await collect(d, PENDING_RANGE, (k, v) => {
    const p = decodePending(v);
    return p.state === 'trash' || p.expiresAt <= now || (p.owner !== undefined && owners.gone(p.owner)) ? blobOfPendingKey(k) : undefined;
  });
  const drained = await ac.drainPending(d, pending);
  let blobs = drained.blobs;
  let freedBytes = drained.bytes;
  if (deep) {
    const orphans = await findOrphans(d);
    for (const blob of orphans.ids) {
      freedBytes += await removeChunks(ac, d, blob);
      blobs++;
    }
  }
  return { reservations, leases, blobs, freedBytes };
}

/**
 * Blob ids with chunks that nothing refers to. Chunks are scanned before entries and unfinished
 * writes: a blob's chunks and the record referring to it are written in one transaction, so a blob
 * seen in the first scan that is still live is referred to in the second.
 */
async function findOrphans(d: OpenDomain): Promise<{ ids: number[]; chunkBytes: number; referenced: Set<number>; pendingBlobs: number }> {
  const withChunks = new Map<number, number>();
  for await (const [k, v] of d.backend.range(CHUNK_RANGE)) {
    const blob = blobOfChunkKey(k);
    withChunks.set(blob, (withChunks.get(blob) ?? 0) + v.byteLength);
  }
  const referenced = new Set<number>();
  for await (const [, v] of d.backend.range(ENTRY_RANGE)) referenced.add(decodeEntry(v).blob);
  let pendingBlobs = 0;
  for await (const [k] of d.backend.range(PENDING_RANGE)) {
    const blob = blobOfPendingKey(k);
    referenced.add(blob);
    if (withChunks.has(blob)) pendingBlobs++;
  }
  let chunkBytes = 0;
  for (const n of withChunks.values()) chunkBytes += n;
  return { ids: [...withChunks.keys()].filter((b) => !referenced.has(b)), chunkBytes, referenced, pendingBlobs };
}

/** Deletes every chunk of an orphan blob, in batches; returns the bytes removed. */
async function removeChunks(ac: ArtifactContext, d: OpenDomain, blob: number): Promise<number> {
  let bytes = 0;
  for (;;) {
    const page: Array<[Uint8Array, number]> = [];
    for await (const [k, v] of d.backend.range({ ...chunkRange(blob), limit: GC_BATCH })) page.push([k, v.byteLength]);
    if (page.length === 0) return bytes;
    await ac.write(d, (at) => {
      for (const [k] of page) at.tx.del(k);
    });
    for (const [, n] of page) bytes += n;
    if (page.length < GC_BATCH) return bytes;
  }
}

/** `audit()`: a full scan compared with the accounting. */
export async function auditDomain(d: OpenDomain): Promise<ArtifactAudit> {
  const usage = await usageOf(d);
  const orphans = await findOrphans(d);
  let liveBytes = 0;
  let count = 0;
  for await (const [, v] of d.backend.range(ENTRY_RANGE)) {
    liveBytes += decodeEntry(v).size;
    count++;
  }
  return {
    usedBytes: usage.usedBytes,
    liveBytes,
    chunkBytes: orphans.chunkBytes,
    count,
    orphanBlobs: orphans.ids.length,
    pendingBlobs: orphans.pendingBlobs,
  };
}
