import { decodeHead, decodeInfo, decodeRecord } from '../checkpoints/checkpoint-layout.js';
import { defaultCodec, rawCodec } from '../codec/index.js';
import { normalizeRoute } from '../config/normalize-route.js';
import { StoreError } from '../errors.js';
import { decodeKey, USER_KEY_MIN } from '../keys/index.js';
import { isExpired } from '../kv/ttl-record.js';
import { decodeValue, isCounter } from '../kv/value-envelope.js';
import { AgentStore } from '../runtime/agent-store.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import { KIND_KEY } from '../runtime/kinds.js';
import { isMigrationKey, MOVED_KEY, tombstoneRoute } from '../runtime/migration-guard.js';
import type { StoreContext } from '../runtime/store-context.js';
import { guard, toStoreError } from '../runtime/to-store-error.js';
import type { NormalizedRoute, Store } from '../runtime/types.js';
import type { EngineInfo } from '../spi/adapter.js';
import type { DomainKind, Key } from '../types.js';
import { type ImportOptions, importEntries } from './import-entries.js';

/** A domain found in storage, as admin tools list it. */
export interface DomainListing {
  readonly domain: string;
  readonly adapter: string;
  /** Whether the store routes the domain to this adapter now. */
  readonly routed: boolean;
  readonly kind: DomainKind | undefined;
  /** Set when a migration left only its tombstone here: where the domain went. */
  readonly movedTo?: { readonly adapter: string; readonly options: Record<string, unknown> };
}

/** What a full read of one domain found. */
export interface DomainCheck {
  readonly domain: string;
  readonly adapter: string;
  readonly kind: DomainKind | undefined;
  /** Raw entries read. */
  readonly entries: number;
  /** kv values the default codec could not decode (written with another codec: not a fault). */
  readonly opaque: number;
  /** Problems found; empty when the domain is sound. */
  readonly faults: string[];
}

/** What one adapter's own backup or integrity hook did. */
export interface AdapterHookResult {
  readonly adapter: string;
  /** `false` when the adapter has no such hook (the memory adapter holds nothing on disk). */
  readonly supported: boolean;
  /** Faults an integrity check reported. */
  readonly faults: string[];
  /** The engine build the adapter runs in this process, when it reports one (`checkAdapters` only). */
  readonly engine?: EngineInfo;
}

/** The byte-level admin view of a store that `@agentstore/cli` uses; not for application code. */
export function storeAdmin(store: Store): StoreAdmin {
  const ctx = AgentStore.contextOf(store);
  if (!ctx) throw new StoreError('INVALID_VALUE', 'storeAdmin takes a store made by createStore');
  return new StoreAdmin(ctx);
}

/**
 * Raw access to domains, kind-agnostic: every kind is ordered bytes in one backend, so export, import,
 * backup and integrity checks work on entries and need no per-kind code (only `check` decodes).
 */
export class StoreAdmin {
  readonly #ctx: StoreContext;

  /** @internal `storeAdmin(store)` makes one; the context is core's own. */
  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  /** Opens `domain` on its route (so the adapter knows its files) and checks it has not moved. */
  open(domain: string): Promise<NormalizedRoute> {
    return guard(async () => (await this.#open(domain)).route);
  }

  /** Every domain with storage on an adapter the store routes to or has opened, moved ones included. */
  domains(): Promise<DomainListing[]> {
    return guard(async () => {
      const { router, pool, kinds } = this.#ctx;
      this.#ctx.assertOpen();
      const names = new Set([...router.routedAdapters(), ...pool.openedAdapters()]);
      const out: DomainListing[] = [];
      for (const adapter of [...names].sort()) {
        const instance = await pool.instance(adapter);
        for (const domain of await instance.listDomains()) {
          const current = router.route(domain);
          const routed = current.adapter === adapter;
          const d = await pool.open(domain, routed ? current : normalizeRoute({ adapter }, router.adapters));
          const [kindBytes, moved] = await d.backend.raw.getMany([KIND_KEY, MOVED_KEY]);
          const kind = kindBytes === undefined ? undefined : await kinds.read(d.backend.raw);
          const movedTo = moved === undefined ? undefined : tombstoneRoute(moved);
          out.push({ domain, adapter, routed, kind, ...(movedTo ? { movedTo } : {}) });
        }
      }
      return out;
    });
  }

  /** The kind recorded in `domain` (on its route), if any. */
  kind(domain: string): Promise<DomainKind | undefined> {
    return guard(async () => this.#ctx.kinds.read((await this.#open(domain)).backend));
  }

  /** About how many raw entries `entries(domain)` yields, from one count (a progress bar's total). */
  countEntries(domain: string): Promise<number> {
    return guard(async () => (await this.#open(domain)).backend.count({}));
  }

  /**
   * Every raw entry of `domain` in key order (the kind record included, migration meta excluded).
   * With `live`, kv records whose TTL ran out before the call are left out (an export shows what a
   * read sees; a backup's fingerprint reads everything, as the copy holds it).
   */
  async *entries(domain: string, opts: { live?: boolean } = {}): AsyncIterable<[Uint8Array, Uint8Array]> {
    const d = await guard(() => this.#open(domain));
    const now = Date.now();
    try {
      for await (const [key, value] of d.backend.range({})) {
        if (isMigrationKey(key)) continue;
        if (opts.live === true && isExpired(value, now) && (key[0] as number) >= USER_KEY_MIN) continue;
        yield [key, value];
      }
    } catch (err) {
      throw toStoreError(err);
    }
  }

  /**
   * Writes raw entries (an export) into `domain`, all or nothing (see `importEntries`): the domain
   * must be empty unless `replace`, which swaps its content in the same transaction. Returns how
   * many entries were written.
   */
  load(domain: string, entries: AsyncIterable<[Uint8Array, Uint8Array]>, opts: ImportOptions = {}): Promise<number> {
    return guard(async () => importEntries(this.#ctx, await this.#open(domain), entries, opts));
  }

  /** Up to `limit` kv keys holding counters, with their stored values (buffered increments flushed first). */
  counters(domain: string, limit: number): Promise<Array<[Key, number]>> {
    return guard(async () => {
      const d = await this.#open(domain);
      await this.#ctx.flushState(d.backend);
      const out: Array<[Key, number]> = [];
      if (limit <= 0) return out;
      for await (const [key, value] of d.backend.range({ gte: Uint8Array.of(USER_KEY_MIN) })) {
        if (!isCounter(value)) continue;
        out.push([decodeKey(key), decodeValue(rawCodec, value) as unknown as number]);
        if (out.length >= limit) break;
      }
      return out;
    });
  }

  /** Reads and decodes every entry of `domain` (kind-specific decoding for kv and checkpoints). */
  check(domain: string): Promise<DomainCheck> {
    return guard(async () => {
      const d = await this.#open(domain);
      const faults: string[] = [];
      let kind: DomainKind | undefined;
      try {
        kind = await this.#ctx.kinds.read(d.backend);
      } catch (err) {
        faults.push(`kind record: ${toStoreError(err).message}`);
      }
      let entries = 0;
      let opaque = 0;
      try {
        for await (const [key, value] of d.backend.range({})) {
          entries++;
          if (faults.length >= 20) continue; // keep reading (the engine checks every page), stop collecting
          const problem = decodeProblem(kind, key, value);
          if (problem === 'opaque') opaque++;
          else if (problem) faults.push(`${hex(key)}: ${problem}`);
        }
      } catch (err) {
        faults.push(`read failed after ${entries} entries: ${toStoreError(err).message}`);
      }
      return { domain, adapter: d.route.adapter, kind, entries, opaque, faults };
    });
  }

  /** Runs every opened or routed adapter's own integrity check (`AdapterInstance.check`). */
  checkAdapters(): Promise<AdapterHookResult[]> {
    return guard(async () => {
      const out: AdapterHookResult[] = [];
      for (const adapter of this.#adapters()) {
        const instance = await this.#ctx.pool.instance(adapter);
        const engine = instance.engine?.();
        const found = instance.check ? { supported: true, faults: await instance.check() } : { supported: false, faults: [] };
        out.push({ adapter, ...found, ...(engine && { engine }) });
      }
      return out;
    });
  }

  /**
   * A consistent copy of every opened or routed adapter's files under `dir`, made by each adapter's
   * own online `backup` hook while writers go on; `dir` is then a data directory of its own.
   */
  backup(dir: string): Promise<AdapterHookResult[]> {
    return guard(async () => {
      await this.#ctx.flushState();
      const out: AdapterHookResult[] = [];
      for (const adapter of this.#adapters()) {
        const instance = await this.#ctx.pool.instance(adapter);
        if (instance.backup) await instance.backup(dir);
        out.push({ adapter, supported: instance.backup !== undefined, faults: [] });
      }
      return out;
    });
  }

  #adapters(): string[] {
    this.#ctx.assertOpen();
    return [...new Set([...this.#ctx.router.routedAdapters(), ...this.#ctx.pool.openedAdapters()])].sort();
  }

  async #open(domain: string): Promise<OpenDomain> {
    const d = await this.#ctx.resolve(domain);
    await this.#ctx.kinds.assertNotMoved(d.backend, domain);
    return d;
  }
}

function decodeProblem(kind: DomainKind | undefined, key: Uint8Array, value: Uint8Array): string | 'opaque' | undefined {
  try {
    const first = key[0] as number;
    if (first < USER_KEY_MIN) {
      if (kind !== 'checkpoints' || first === 0x00) return undefined;
      if (first === 0x02) decodeHead(value);
      else if (first === 0x03) decodeInfo(value);
      else if (first === 0x04) decodeRecord(value);
      return undefined;
    }
    if (kind !== 'kv') return undefined;
    decodeKey(key);
    if (isCounter(value)) {
      decodeValue(rawCodec, value);
      return undefined;
    }
    decodeValue(rawCodec, value); // checks the envelope
    try {
      decodeValue(defaultCodec, value);
    } catch {
      return 'opaque';
    }
    return undefined;
  } catch (err) {
    return toStoreError(err).message;
  }
}

function hex(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 24)).toString('hex');
  return bytes.byteLength > 24 ? `${text}…` : text;
}
