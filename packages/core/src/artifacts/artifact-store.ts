import { StoreError } from '../errors.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import { failedWith, settledWith } from '../runtime/settled.js';
import type { StoreContext } from '../runtime/store-context.js';
import { toStoreError } from '../runtime/to-store-error.js';
import { ArtifactContext, guard, NOT_SYNC, randomId, statOf, storeBlob } from './artifact-context.js';
import { decodeEntry, decodeHead, decodeReservation, type Entry, entryKey, HEAD_KEY, reservationKey } from './artifact-layout.js';
import { auditDomain, collectGarbage, lruKeys, usageOf } from './artifact-maintenance.js';
import { reservationInfo, settleDeadPublish } from './artifact-publish.js';
import { streamIn, streamOut } from './artifact-stream.js';
import { EntryCache } from './entry-cache.js';
import { checkExternalInput, requireFile, resolveExternal } from './external-file.js';
import { LeaseHandle, ReservationHandle } from './handles.js';
import { OWNER, ownerGone } from './owner.js';
import { prefixKey, stridePrefixKeys } from './prefix-keys.js';
import type {
  ArtifactAudit,
  ArtifactLease,
  ArtifactPutOptions,
  ArtifactReadStream,
  ArtifactReservation,
  ArtifactStat,
  ArtifactStore,
  ArtifactsPolicy,
  ArtifactTier,
  ArtifactUsage,
  BudgetUpdate,
  EvictResult,
  ExternalFileSpec,
  GcResult,
  LongestPrefixOptions,
  PrefixHit,
  PutPrefixOptions,
  ReservationInfo,
  TokenIds,
} from './types.js';
import {
  assertArtifactKey,
  assertBudgetUpdate,
  assertBytes,
  assertFits,
  assertNamespace,
  assertOptionsBag,
  assertSize,
  assertTokens,
  checkPutOptions,
  tierSet,
  ttlOf,
} from './validate.js';

/** Most blobs `evictBytes` removes per transaction. */
const EVICT_BATCH = 256;
/** Keys `longestPrefix` checks per batched read (longest first, stopping at the first hit). */
const PROBE_BATCH = 256;
/** First and longest pause between `getOrWait` polls, in ms (an in-process commit wakes it at once). */
const WAIT_FIRST_MS = 5;
const WAIT_MAX_MS = 100;
/** Retries of `get` when the blob is replaced between marking it used and reading its chunks. */
const READ_RETRIES = 8;

/** The `artifacts` handle (SPEC §5), built in core on a domain backend's ordered keys and transactions. */
export class ArtifactKvStore implements ArtifactStore {
  readonly #ac: ArtifactContext;
  /** Encoded entry keys and decoded entries of recent `get` hits (see EntryCache). */
  readonly #entries = new EntryCache();

  constructor(ctx: StoreContext, domain: string, policy?: ArtifactsPolicy) {
    this.#ac = new ArtifactContext(ctx, domain, policy);
  }

  put(key: string, bytes: Uint8Array, options?: ArtifactPutOptions): Promise<ArtifactStat> {
    return guard(async () => {
      const ac = this.#ac;
      assertArtifactKey(key);
      assertBytes(bytes);
      const put = checkPutOptions(options, ac.policy.defaultTier);
      const d = await ac.writable();
      assertFits(bytes, d.options.maxValueBytes);
      const { stat, blob } = await ac.write(d, (at) => {
        const id = at.newBlob();
        const chunkBytes = at.writeChunks(id, bytes);
        return { stat: storeBlob(at, key, { blob: id, size: bytes.byteLength, chunkBytes, ...put }), blob: id };
      });
      const local = ac.local(d);
      if (put.tier === 0) local.keep(blob, new Uint8Array(bytes));
      local.notify(key);
      return stat;
    });
  }

  putStream(key: string, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: ArtifactPutOptions): Promise<ArtifactStat> {
    return guard(async () => {
      assertArtifactKey(key);
      const put = checkPutOptions(options, this.#ac.policy.defaultTier);
      const d = await this.#ac.writable();
      return streamIn(this.#ac, d, key, source, put);
    });
  }

  registerFile(key: string, file: ExternalFileSpec, options?: ArtifactPutOptions): Promise<ArtifactStat> {
    return guard(async () => {
      const ac = this.#ac;
      assertArtifactKey(key);
      const input = checkExternalInput(file, 'registerFile');
      const put = checkPutOptions(options, ac.policy.defaultTier);
      const d = await ac.writable();
      // Checked before the transaction (hashing may take a while); the domain owns the file afterwards.
      await requireFile(resolveExternal(ac.dataDir, input.path), input, 'registerFile');
      const stat = await ac.write(d, (at) =>
        storeBlob(at, key, { blob: at.newBlob(), size: input.size, ...put, file: { path: input.path, sha256: input.sha256 } }),
      );
      ac.local(d).notify(key);
      return stat;
    });
  }

  reservation(key: string): Promise<ReservationInfo | undefined> {
    return guard(async () => {
      assertArtifactKey(key);
      const d = await this.#ac.readable();
      const raw = await d.backend.get(reservationKey(key));
      return raw === undefined ? undefined : reservationInfo(key, decodeReservation(raw));
    });
  }

  get(key: string): Promise<Uint8Array | undefined> {
    try {
      assertArtifactKey(key);
      // An open domain of known kind on an engine that reads points synchronously: the entry and its
      // chunk as two synchronous reads and one settled promise (no async layer per read).
      const d = this.#ac.ready();
      if (d?.backend.pointReadsSync) {
        const hit = this.#getSync(d, key);
        if (hit !== NOT_SYNC) return settledWith(hit);
      }
    } catch (err) {
      return failedWith(toStoreError(err));
    }
    return guard(async () => this.#getIn(await this.#ac.readable(), key));
  }

  getStream(key: string): Promise<ArtifactReadStream | undefined> {
    return guard(async () => {
      assertArtifactKey(key);
      const d = await this.#ac.readable();
      if ((await d.backend.get(entryKey(key))) === undefined) return undefined;
      return streamOut(this.#ac, d, key, randomId());
    });
  }

  has(key: string): Promise<boolean> {
    return guard(async () => {
      assertArtifactKey(key);
      const d = await this.#ac.readable();
      return (await d.backend.get(entryKey(key))) !== undefined;
    });
  }

  stat(key: string): Promise<ArtifactStat | undefined> {
    return guard(async () => {
      assertArtifactKey(key);
      const d = await this.#ac.readable();
      const [raw, reserved] = await d.backend.getMany([entryKey(key), reservationKey(key)]);
      if (raw === undefined) return undefined;
      const entry = decodeEntry(raw);
      // A use recorded in memory and not yet written is this process's latest knowledge of lastUsed.
      const use = this.#ac.recency(d).pending(key);
      const stat = statOf(
        key,
        use !== undefined && use.blob === entry.blob && use.at > entry.lastUsed ? { ...entry, lastUsed: use.at } : entry,
      );
      return reserved === undefined ? stat : { ...stat, reservation: reservationInfo(key, decodeReservation(reserved)) };
    });
  }

  delete(key: string): Promise<boolean> {
    return guard(async () => {
      assertArtifactKey(key);
      const d = await this.#ac.readable();
      // An absent key costs no transaction (and records no kind in a fresh domain).
      if ((await d.backend.get(entryKey(key))) === undefined) return false;
      const removed = await this.#ac.write(d, (at) => {
        const e = at.entry(key);
        if (e !== undefined) at.remove(key, e);
        return e !== undefined;
      });
      this.#ac.local(d).notify(key);
      return removed;
    });
  }

  evictBytes(target: number, options?: { readonly tiers?: readonly ArtifactTier[] }): Promise<EvictResult> {
    return guard(async () => {
      assertSize(target, 'target');
      assertOptionsBag(options, 'evictBytes');
      const tiers = tierSet(options?.tiers);
      const d = await this.#ac.readable();
      let freedBytes = 0;
      let evicted = 0;
      const head = decodeHead(await d.backend.get(HEAD_KEY));
      if (target === 0 || head.count[0] + head.count[1] === 0) return { evicted, freedBytes };
      for (;;) {
        const step = await this.#ac.write(d, (at) => at.evict(tiers, target - freedBytes, EVICT_BATCH));
        freedBytes += step.freed;
        evicted += step.evicted;
        if (freedBytes >= target || step.evicted < EVICT_BATCH) return { evicted, freedBytes };
      }
    });
  }

  checkout(key: string, options?: { readonly ttlMs?: number }): Promise<ArtifactLease | undefined> {
    return guard(async () => {
      assertArtifactKey(key);
      assertOptionsBag(options, 'checkout');
      const ttl = ttlOf(options?.ttlMs, this.#ac.policy.leaseTtlMs, 'ttlMs');
      const d = await this.#ac.readable();
      if ((await d.backend.get(entryKey(key))) === undefined) return undefined;
      const id = randomId();
      const taken = await this.#ac.write(d, (at) => {
        const e = at.entry(key);
        if (e === undefined) return undefined;
        const expiresAt = at.now + ttl;
        const leases = [...at.liveLeases(e.leases), { id, expiresAt, ...OWNER }];
        at.rewrite(key, { ...e, leases }, e.leases.length > 0);
        return { expiresAt, size: e.size };
      });
      return taken === undefined ? undefined : new LeaseHandle(this.#ac, key, id, taken.expiresAt, taken.size);
    });
  }

  reserve(key: string, options?: { readonly ttlMs?: number }): Promise<ArtifactReservation> {
    return guard(async () => {
      assertArtifactKey(key);
      assertOptionsBag(options, 'reserve');
      const ttl = ttlOf(options?.ttlMs, this.#ac.policy.reservationTtlMs, 'ttlMs');
      const d = await this.#ac.writable();
      // A dead holder's two-stage publish is settled first: its file becomes the blob (then the key
      // exists: CONFLICT below) or is discarded (then the key is free to reserve).
      await settleDeadPublish(this.#ac, d, key);
      const id = randomId();
      const expiresAt = await this.#ac.write(d, (at) => {
        if (at.entry(key) !== undefined) throw new StoreError('CONFLICT', `artifact "${key.slice(0, 64)}" already exists`);
        const raw = at.tx.get(reservationKey(key));
        const held = raw === undefined ? undefined : decodeReservation(raw);
        // A reservation of a process that died on this host is taken over here, in this transaction.
        if (held !== undefined && held.expiresAt > at.now && !at.owners.gone(held)) {
          throw new StoreError('CONFLICT', `artifact "${key.slice(0, 64)}" is reserved`);
        }
        return ReservationHandle.record(at, key, id, at.now + ttl);
      });
      return new ReservationHandle(this.#ac, key, id, expiresAt, ttl);
    });
  }

  getOrWait(key: string, timeoutMs: number): Promise<Uint8Array | undefined> {
    return guard(async () => {
      assertArtifactKey(key);
      if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || timeoutMs > 2 ** 31 - 1) {
        throw new StoreError('INVALID_VALUE', 'timeoutMs must be a number from 0 to 2^31-1');
      }
      const d = await this.#ac.readable();
      const deadline = Date.now() + timeoutMs;
      let pause = WAIT_FIRST_MS;
      for (;;) {
        const hit = await this.#getIn(d, key);
        if (hit !== undefined) return hit;
        const raw = await d.backend.get(reservationKey(key));
        const held = raw === undefined ? undefined : decodeReservation(raw);
        if (held === undefined || held.expiresAt <= Date.now() || ownerGone(held)) {
          // Nothing will commit: no reservation, a lapsed one, or its holder died on this host (the
          // next `reserve` or `gc` frees it). The commit may have landed between the two reads (it
          // stores the blob and drops the reservation in one transaction): look once more. A dead
          // holder's prelinked file is adopted here when it is whole.
          if (held?.publish !== undefined) await settleDeadPublish(this.#ac, d, key);
          return this.#getIn(d, key);
        }
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        await this.#ac.local(d).wait(key, Math.min(pause, left));
        pause = Math.min(pause * 2, WAIT_MAX_MS);
      }
    });
  }

  putPrefix(tokens: TokenIds, bytes: Uint8Array, options?: PutPrefixOptions): Promise<ArtifactStat & { readonly prefixLength: number }> {
    return guard(async () => {
      assertTokens(tokens);
      if (tokens.length === 0) throw new StoreError('INVALID_VALUE', 'putPrefix needs at least one token');
      assertOptionsBag(options, 'putPrefix');
      const { namespace = '', ...put } = options ?? {};
      assertNamespace(namespace);
      const stat = await this.put(prefixKey(tokens, namespace), bytes, put);
      return { ...stat, prefixLength: tokens.length };
    });
  }

  longestPrefix(tokens: TokenIds, options: LongestPrefixOptions): Promise<PrefixHit | undefined> {
    return guard(async () => {
      assertTokens(tokens);
      if (options === null || typeof options !== 'object')
        throw new StoreError('INVALID_VALUE', 'longestPrefix takes { stride, minTokens?, namespace? }');
      const { stride, namespace = '' } = options;
      if (typeof stride !== 'number' || !Number.isSafeInteger(stride) || stride < 1)
        throw new StoreError('INVALID_VALUE', 'stride must be a positive integer');
      const minTokens = options.minTokens ?? stride;
      assertSize(minTokens, 'minTokens');
      assertNamespace(namespace);
      const d = await this.#ac.readable();
      const candidates = stridePrefixKeys(tokens, stride, Math.max(minTokens, 1), namespace);
      for (let i = 0; i < candidates.length; i += PROBE_BATCH) {
        const batch = candidates.slice(i, i + PROBE_BATCH);
        const found = await d.backend.getMany(batch.map((c) => entryKey(c.key)));
        const at = found.findIndex((raw) => raw !== undefined);
        const hit = batch[at];
        if (hit !== undefined) return { key: hit.key, prefixLength: hit.length, size: decodeEntry(found[at] as Uint8Array).size };
      }
      return undefined;
    });
  }

  usage(): Promise<ArtifactUsage> {
    return guard(async () => usageOf(await this.#ac.readable()));
  }

  setBudget(update: BudgetUpdate): Promise<ArtifactUsage> {
    return guard(async () => {
      if (update === null || typeof update !== 'object') throw new StoreError('INVALID_VALUE', 'setBudget takes { budgetBytes?, tiers? }');
      assertBudgetUpdate(update.budgetBytes, 'budgetBytes');
      assertOptionsBag(update.tiers, 'tiers');
      assertBudgetUpdate(update.tiers?.ram, 'tiers.ram');
      assertBudgetUpdate(update.tiers?.disk, 'tiers.disk');
      const d = await this.#ac.readable();
      await this.#ac.write(d, (at) => {
        if (update.budgetBytes !== undefined) at.head.budget = update.budgetBytes;
        if (update.tiers?.ram !== undefined) at.head.tierBudgets[0] = update.tiers.ram;
        if (update.tiers?.disk !== undefined) at.head.tierBudgets[1] = update.tiers.disk;
        at.makeRoom(0, 0);
        at.makeRoom(1, 0);
      });
      return usageOf(d);
    });
  }

  lru(options?: { readonly tiers?: readonly ArtifactTier[]; readonly limit?: number }): Promise<string[]> {
    return guard(async () => {
      assertOptionsBag(options, 'lru');
      const tiers = tierSet(options?.tiers);
      if (options?.limit !== undefined) assertSize(options.limit, 'limit');
      const d = await this.#ac.readable();
      // The order includes this process's uses not yet written (another process's show after its flush).
      await this.#ac.recency(d).flush();
      return lruKeys(d, tiers, options?.limit);
    });
  }

  gc(options?: { readonly deep?: boolean }): Promise<GcResult> {
    return guard(async () => {
      assertOptionsBag(options, 'gc');
      const deep = options?.deep ?? false;
      if (typeof deep !== 'boolean') throw new StoreError('INVALID_VALUE', 'deep must be a boolean');
      return collectGarbage(this.#ac, await this.#ac.readable(), deep);
    });
  }

  audit(): Promise<ArtifactAudit> {
    return guard(async () => auditDomain(await this.#ac.readable()));
  }

  /**
   * `#getIn` as synchronous reads (see `get`), or NOT_SYNC when the blob needs the async path. The
   * entry and the chunk may come from two snapshots: a blob id is never reused, so a chunk found is
   * this blob's, and a chunk gone means the blob was replaced or removed in between: look again.
   */
  #getSync(d: OpenDomain, key: string): Uint8Array | undefined | typeof NOT_SYNC {
    for (let attempt = 0; attempt < READ_RETRIES; attempt++) {
      const raw = d.backend.getSync(this.#entries.entryKey(key));
      if (raw === undefined) return undefined;
      const entry = this.#entries.entry(key, raw);
      const bytes = this.#ac.readBlobSync(d, entry, this.#entries.firstChunk(key));
      if (bytes === NOT_SYNC) return NOT_SYNC;
      if (bytes !== undefined) {
        if (!this.#ac.readOnly) this.#ac.recency(d).record(key, entry.blob);
        return bytes;
      }
    }
    throw replacedWhileRead(key);
  }

  /**
   * Reads the blob of `key` (undefined when absent) and records the use in memory: the LRU index is
   * written in batches (see `RecencyBuffer`), so a hit costs reads only.
   */
  async #getIn(d: OpenDomain, key: string): Promise<Uint8Array | undefined> {
    for (let attempt = 0; attempt < READ_RETRIES; attempt++) {
      const raw = await d.backend.get(entryKey(key));
      if (raw === undefined) return undefined;
      const entry: Entry = decodeEntry(raw);
      const bytes = await this.#ac.readBlob(d, entry, key);
      if (bytes !== undefined) {
        // A read-only store writes nothing, recency included.
        if (!this.#ac.readOnly) this.#ac.recency(d).record(key, entry.blob);
        return bytes;
      }
    }
    throw replacedWhileRead(key);
  }
}

/** The error of a `get` whose blob kept being replaced between reading its entry and its chunks. */
function replacedWhileRead(key: string): StoreError {
  return new StoreError('CONFLICT', `artifact "${key.slice(0, 64)}" kept being replaced while it was read`);
}
