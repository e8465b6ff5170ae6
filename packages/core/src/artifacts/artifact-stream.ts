import { StoreError } from '../errors.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import { type ArtifactContext, storeBlob } from './artifact-context.js';
import { CHUNK_BYTES, chunkKey, decodePending, encodePending, entryChunks, pendingKey, TIERS } from './artifact-layout.js';
import type { ArtifactTx } from './artifact-tx.js';
import { streamExternal } from './external-file.js';
import { OWNER } from './owner.js';
import type { ArtifactReadStream, ArtifactStat } from './types.js';
import { assertBytes, type CheckedPut } from './validate.js';

/** Chunks written per transaction while streaming in (1 MiB). */
const CHUNKS_PER_TX = 4;

/** Cuts a stream of arbitrary pieces into chunks of exactly CHUNK_BYTES (the last may be shorter). */
class Rechunker {
  #parts: Uint8Array[] = [];
  #buffered = 0;
  total = 0;

  push(piece: Uint8Array): void {
    if (piece.byteLength === 0) return;
    this.#parts.push(piece.slice()); // the source may reuse its buffer
    this.#buffered += piece.byteLength;
    this.total += piece.byteLength;
  }

  /** The next full chunk, if one is buffered (or the remainder when `final`). */
  take(final: boolean): Uint8Array | undefined {
    if (this.#buffered === 0 || (!final && this.#buffered < CHUNK_BYTES)) return undefined;
    const size = Math.min(CHUNK_BYTES, this.#buffered);
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const part = this.#parts[0] as Uint8Array;
      const n = Math.min(part.byteLength, size - at);
      out.set(part.subarray(0, n), at);
      at += n;
      if (n === part.byteLength) this.#parts.shift();
      else this.#parts[0] = part.subarray(n);
    }
    this.#buffered -= size;
    return out;
  }
}

/** What a streamed write runs inside its transactions besides storing chunks. */
export interface StreamHooks {
  /** In every batch's transaction (e.g. renew the reservation the stream commits). */
  readonly keepAlive?: (at: ArtifactTx) => void;
  /** In the last transaction, before the blob is stored (e.g. check and end the reservation). */
  readonly finish?: (at: ArtifactTx) => void;
}

/** Throws `CONFLICT` unless `blob` is still an unfinished write of this process. */
function assertOurs(at: ArtifactTx, blob: number): ReturnType<typeof decodePending> {
  const raw = at.tx.get(pendingKey(blob));
  const p = raw === undefined ? undefined : decodePending(raw);
  if (p === undefined || p.state !== 'writing' || p.token !== OWNER.token) {
    throw new StoreError('CONFLICT', 'the streamed write lapsed (reservationTtlMs) and was collected before it finished');
  }
  return p;
}

/**
 * Streams `source` into a new blob under `key`. Chunks are written in transactions of their own under
 * an unfinished-write record (renewed with every batch, so it lapses only when the writer stops);
 * the last transaction runs `hooks.finish`, stores the entry and drops the record, so the blob becomes
 * readable atomically. On failure the chunks written so far are removed (or left for `gc` if the
 * process dies).
 */
export async function streamIn(
  ac: ArtifactContext,
  d: OpenDomain,
  key: string,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  put: CheckedPut,
  hooks: StreamHooks = {},
): Promise<ArtifactStat> {
  if (source === null || typeof source !== 'object' || (!(Symbol.asyncIterator in source) && !(Symbol.iterator in source))) {
    throw new StoreError('INVALID_VALUE', 'a streamed put takes an iterable or async iterable of Uint8Array');
  }
  const ttl = ac.policy.reservationTtlMs;
  const opened = await ac.write(d, (at) => {
    const blob = at.newBlob();
    at.tx.put(
      pendingKey(blob),
      encodePending({ state: 'writing', chunks: 0, bytes: 0, expiresAt: at.now + ttl, token: OWNER.token, owner: OWNER }),
    );
    const limits = [at.head.budget, at.head.tierBudgets[put.tier]].filter((b): b is number => typeof b === 'number');
    return { blob, limit: Math.min(Number.POSITIVE_INFINITY, ...limits) };
  });
  const { blob, limit } = opened;
  const pieces = new Rechunker();
  let written = 0;
  const flush = async (chunks: Uint8Array[]): Promise<void> => {
    const first = written;
    await ac.write(d, (at) => {
      const p = assertOurs(at, blob);
      hooks.keepAlive?.(at);
      for (const [i, c] of chunks.entries()) at.tx.put(chunkKey(blob, first + i), c);
      const bytes = p.bytes + chunks.reduce((n, c) => n + c.byteLength, 0);
      at.tx.put(pendingKey(blob), encodePending({ ...p, chunks: first + chunks.length, bytes, expiresAt: at.now + ttl }));
    });
    written += chunks.length;
  };
  try {
    let batch: Uint8Array[] = [];
    for await (const piece of source) {
      assertBytes(piece, 'a streamed chunk');
      pieces.push(piece);
      if (pieces.total > limit) throw new StoreError('VALUE_TOO_LARGE', `streamed blob exceeds the budget of ${limit} bytes`);
      for (let c = pieces.take(false); c !== undefined; c = pieces.take(false)) {
        batch.push(c);
        if (batch.length === CHUNKS_PER_TX) {
          await flush(batch);
          batch = [];
        }
      }
    }
    const last = pieces.take(true);
    if (last !== undefined) batch.push(last);
    const size = pieces.total;
    const first = written;
    const stat = await ac.write(d, (at) => {
      assertOurs(at, blob);
      hooks.finish?.(at);
      for (const [i, c] of batch.entries()) at.tx.put(chunkKey(blob, first + i), c);
      at.tx.del(pendingKey(blob));
      return storeBlob(at, key, { blob, size, ...put });
    });
    ac.local(d).notify(key);
    return stat;
  } catch (err) {
    await discard(ac, d, blob).catch(() => undefined); // best effort: gc collects it otherwise
    throw err;
  }
}

/** Drops an unfinished write of this process right away (its record lapses to trash). */
async function discard(ac: ArtifactContext, d: OpenDomain, blob: number): Promise<void> {
  await ac.write(d, (at) => {
    const raw = at.tx.get(pendingKey(blob));
    if (raw === undefined) return;
    const p = decodePending(raw);
    if (p.state === 'writing') at.tx.put(pendingKey(blob), encodePending({ ...p, expiresAt: 0 }));
  });
  await ac.drainPending(d, [blob]);
}

/**
 * Opens a blob for reading in chunks: marks it used and leases it in one transaction, so it cannot be
 * evicted while it is read; the lease ends when iteration ends (or lapses after `leaseTtlMs` if the
 * stream is never read to the end, and is renewed while reading takes longer).
 */
export async function streamOut(ac: ArtifactContext, d: OpenDomain, key: string, leaseId: string): Promise<ArtifactReadStream | undefined> {
  const ttl = ac.policy.leaseTtlMs;
  const opened = await ac.write(d, (at) => {
    const e = at.entry(key);
    if (e === undefined) return undefined;
    const leases = [...at.liveLeases(e.leases), { id: leaseId, expiresAt: at.now + ttl, ...OWNER }];
    const next = at.touch(key, { ...e, leases }, e);
    at.rewrite(key, next, e.leases.length > 0);
    return next;
  });
  if (opened === undefined) return undefined;
  const entry = opened;
  let started = false;
  const release = (): Promise<unknown> =>
    ac.write(d, (at) => {
      const e = at.entry(key);
      if (e === undefined || !e.leases.some((l) => l.id === leaseId)) return;
      at.rewrite(key, { ...e, leases: e.leases.filter((l) => l.id !== leaseId) }, true);
    });
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (started) throw new StoreError('INVALID_VALUE', 'an artifact read stream can be iterated once');
    started = true;
    let renewedAt = Date.now();
    try {
      // An external blob streams from its file; the lease keeps eviction (and so its removal) away.
      if (entry.file !== undefined) {
        yield* streamExternal(ac.dataDir, entry.file, entry.size, CHUNK_BYTES);
        return;
      }
      const n = entryChunks(entry);
      for (let i = 0; i < n; i++) {
        const part = await d.backend.get(chunkKey(entry.blob, i));
        if (part === undefined) throw new StoreError('CONFLICT', `artifact "${key.slice(0, 64)}" was deleted or replaced while being read`);
        yield new Uint8Array(part);
        if (Date.now() - renewedAt > ttl / 2) {
          renewedAt = Date.now();
          await ac.write(d, (at) => {
            const e = at.entry(key);
            if (e === undefined) return;
            at.rewrite(
              key,
              { ...e, leases: e.leases.map((l) => (l.id === leaseId ? { ...l, expiresAt: at.now + ttl } : l)) },
              e.leases.length > 0,
            );
          });
        }
      }
    } finally {
      await release();
    }
  }
  return { size: entry.size, tier: TIERS[entry.tier] ?? 'disk', [Symbol.asyncIterator]: chunks };
}
