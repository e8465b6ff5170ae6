import { StoreError } from '../errors.js';
import type { Tx } from '../spi/backend.js';
import {
  chunkBytesFor,
  chunkKey,
  decodeEntry,
  decodeHead,
  type Entry,
  encodeEntry,
  encodeHead,
  encodePending,
  entryChunks,
  entryKey,
  HEAD_KEY,
  type Head,
  type LeaseRecord,
  leasedKey,
  lruKey,
  lruRange,
  pendingKey,
  seqOfLruKey,
} from './artifact-layout.js';
import { OwnerCheck } from './owner.js';
import type { Use } from './recency.js';

/** LRU index entries read per page while looking for victims. */
const LRU_PAGE = 32;
/** A discarded blob with more chunks than this is moved to the trash and removed in batches later. */
export const INLINE_DELETE_CHUNKS = 64;

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const text = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/** A blob removed by a transaction (evicted, deleted or replaced), for the process cache and trash cleanup. */
export interface Removed {
  readonly key: string;
  readonly blob: number;
  readonly size: number;
  /** Its chunks were left in the trash for a later batch removal. */
  readonly trashed: boolean;
  /** An external blob's file (relative to dataDir), removed once the transaction has committed. */
  readonly file?: string;
}

/** The budgets a handle would record if the domain has none yet. */
export interface BudgetDefaults {
  readonly budgetBytes: number | undefined;
  readonly tierBudgets: readonly [number | undefined, number | undefined];
}

/** What one artifacts write transaction works on: the head (written back by `finish`) and what it removed. */
export class ArtifactTx {
  readonly tx: Tx;
  readonly head: Head;
  readonly now = Date.now();
  readonly removed: Removed[] = [];
  /** Liveness of the owners of the records this transaction meets (dead ones' records are freed). */
  readonly owners = new OwnerCheck();

  constructor(tx: Tx, defaults?: BudgetDefaults) {
    this.tx = tx;
    this.head = decodeHead(tx.get(HEAD_KEY));
    // A budget is a domain setting: the first write of a handle that names one records it.
    if (defaults) {
      if (this.head.budget === undefined && defaults.budgetBytes !== undefined) this.head.budget = defaults.budgetBytes;
      for (const t of [0, 1] as const) {
        if (this.head.tierBudgets[t] === undefined && defaults.tierBudgets[t] !== undefined)
          this.head.tierBudgets[t] = defaults.tierBudgets[t];
      }
    }
  }

  /** Writes the head back. */
  finish(): void {
    this.tx.put(HEAD_KEY, encodeHead(this.head));
  }

  entry(key: string): Entry | undefined {
    const bytes = this.tx.get(entryKey(key));
    return bytes === undefined ? undefined : decodeEntry(bytes);
  }

  /** Writes `entry` under `key` with a fresh use-sequence number: the blob becomes the most recently used. */
  touch(key: string, entry: Entry, previous: Entry | undefined, at = this.now): Entry {
    if (previous) this.tx.del(lruKey(previous.tier, previous.seq));
    const seq = ++this.head.seq;
    const next: Entry = { ...entry, seq, lastUsed: at };
    this.tx.put(entryKey(key), encodeEntry(next));
    this.tx.put(lruKey(next.tier, seq), utf8(key));
    return next;
  }

  /**
   * Applies uses recorded in memory (`get` hits), oldest first. A use of a blob since replaced or
   * removed is dropped: the replacement was made most recently used by its own write.
   */
  applyUses(uses: readonly Use[]): void {
    for (const u of uses) {
      const e = this.entry(u.key);
      if (e !== undefined && e.blob === u.blob) this.touch(u.key, e, e, Math.max(u.at, e.lastUsed));
    }
  }

  /** Rewrites an entry in place (leases changed): its LRU position stays. */
  rewrite(key: string, entry: Entry, hadLeases: boolean): void {
    this.tx.put(entryKey(key), encodeEntry(entry));
    if (entry.leases.length > 0 && !hadLeases) this.tx.put(leasedKey(key), new Uint8Array(0));
    if (entry.leases.length === 0 && hadLeases) this.tx.del(leasedKey(key));
  }

  /** Allocates a blob id. */
  newBlob(): number {
    return ++this.head.blob;
  }

  /** Writes `bytes` as the chunks of blob `blob` (views, no copy); returns the chunk size used (see `chunkBytesFor`). */
  writeChunks(blob: number, bytes: Uint8Array): number {
    const size = chunkBytesFor(bytes.byteLength);
    for (let i = 0, at = 0; at < bytes.byteLength; i++, at += size) {
      this.tx.put(chunkKey(blob, i), bytes.subarray(at, Math.min(at + size, bytes.byteLength)));
    }
    return size;
  }

  /** Removes a blob's chunks now, or moves it to the trash when it has many. */
  discardBlob(blob: number, chunks: number, bytes: number): boolean {
    if (chunks <= INLINE_DELETE_CHUNKS) {
      for (let i = 0; i < chunks; i++) this.tx.del(chunkKey(blob, i));
      return false;
    }
    this.tx.put(pendingKey(blob), encodePending({ state: 'trash', chunks, bytes, expiresAt: 0, token: '' }));
    return true;
  }

  /** Removes the entry of `key` and its blob, updating the accounting. */
  remove(key: string, entry: Entry): void {
    this.tx.del(entryKey(key));
    this.tx.del(lruKey(entry.tier, entry.seq));
    if (entry.leases.length > 0) this.tx.del(leasedKey(key));
    // An external blob has no chunks: its file goes after the commit (ArtifactContext.write).
    const trashed = entry.file === undefined && this.discardBlob(entry.blob, entryChunks(entry), entry.size);
    this.head.used[entry.tier] -= entry.size;
    this.head.count[entry.tier] -= 1;
    this.removed.push({ key, blob: entry.blob, size: entry.size, trashed, ...(entry.file && { file: entry.file.path }) });
  }

  /** The leases that still pin their blob: unexpired, their holder not dead on this host. */
  liveLeases(leases: readonly LeaseRecord[]): LeaseRecord[] {
    return leases.filter((l) => l.expiresAt > this.now && !this.owners.gone(l));
  }

  /** True while some lease on the entry is unexpired and its holder not dead on this host. */
  leased(entry: Entry): boolean {
    return entry.leases.some((l) => l.expiresAt > this.now && !this.owners.gone(l));
  }

  /** Keys of `tiers` in LRU order (oldest first), merged across tiers by use-sequence number. */
  *oldest(tiers: ReadonlyArray<0 | 1>): Generator<{ key: string; tier: 0 | 1; seq: number }> {
    const cursors = tiers.map((tier) => ({
      tier,
      page: [] as Array<[Uint8Array, Uint8Array]>,
      at: 0,
      after: undefined as Uint8Array | undefined,
      done: false,
    }));
    for (;;) {
      let best: (typeof cursors)[number] | undefined;
      let bestSeq = Number.POSITIVE_INFINITY;
      for (const c of cursors) {
        if (c.at >= c.page.length && !c.done) {
          const r = lruRange(c.tier);
          c.page = this.tx.range({ ...(c.after === undefined ? { gte: r.gte } : { gt: c.after }), lt: r.lt, limit: LRU_PAGE });
          c.at = 0;
          c.done = c.page.length < LRU_PAGE;
          c.after = c.page.at(-1)?.[0] ?? c.after;
        }
        const head = c.page[c.at];
        if (head !== undefined && seqOfLruKey(head[0]) < bestSeq) {
          best = c;
          bestSeq = seqOfLruKey(head[0]);
        }
      }
      if (best === undefined) return;
      const [, value] = best.page[best.at++] as [Uint8Array, Uint8Array];
      yield { key: text(value), tier: best.tier, seq: bestSeq };
    }
  }

  /**
   * Evicts least recently used unleased blobs of `tiers` until `target` bytes are freed, at most
   * `maxVictims` of them; returns the bytes freed.
   */
  evict(tiers: ReadonlyArray<0 | 1>, target: number, maxVictims = Number.POSITIVE_INFINITY): { freed: number; evicted: number } {
    let freed = 0;
    let evicted = 0;
    if (target <= 0) return { freed, evicted };
    for (const { key } of this.oldest(tiers)) {
      const entry = this.entry(key);
      if (entry === undefined) throw new StoreError('CORRUPT', `artifacts LRU index names "${key.slice(0, 64)}", which has no entry`);
      if (this.leased(entry)) continue;
      this.remove(key, entry);
      freed += entry.size;
      evicted++;
      if (freed >= target || evicted >= maxVictims) break;
    }
    return { freed, evicted };
  }

  /**
   * Makes room for a blob of `size` bytes in `tier`: `VALUE_TOO_LARGE` when it exceeds a budget by
   * itself, `BUSY` when leased blobs leave too little to evict (the transaction then writes nothing).
   */
  makeRoom(tier: 0 | 1, size: number): void {
    const { head } = this;
    const tierBudget = head.tierBudgets[tier] ?? undefined;
    const budget = head.budget ?? undefined;
    if (budget !== undefined && size > budget)
      throw new StoreError('VALUE_TOO_LARGE', `blob is ${size} bytes; the domain budget is ${budget}`);
    if (tierBudget !== undefined && size > tierBudget) {
      throw new StoreError('VALUE_TOO_LARGE', `blob is ${size} bytes; the ${tier === 0 ? 'ram' : 'disk'} tier budget is ${tierBudget}`);
    }
    if (tierBudget !== undefined) {
      const need = head.used[tier] + size - tierBudget;
      if (this.evict([tier], need).freed < need) throw busy(size);
    }
    if (budget !== undefined) {
      const need = head.used[0] + head.used[1] + size - budget;
      if (this.evict([0, 1], need).freed < need) throw busy(size);
    }
  }
}

function busy(size: number): StoreError {
  return new StoreError('BUSY', `no room for ${size} bytes: the blobs that would have to be evicted are leased`);
}
