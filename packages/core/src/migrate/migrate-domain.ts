import { normalizeRoute } from '../config/normalize-route.js';
import { StoreError } from '../errors.js';
import type { DomainBackend } from '../spi/backend.js';
import type { StoreContext } from '../store/store-context.js';
import { toStoreError } from '../store/to-store-error.js';
import type { NormalizedRoute, RouteConfig } from '../store/types.js';
import { EntryHash } from './entry-hash.js';
import { encodeRoute, isMigrationKey, MIGRATING_KEY, MOVED_KEY } from './meta-keys.js';
import type { MigrateOptions, MigrationProgress, MigrationReport } from './types.js';

// A copy transaction carries at most this many entries or bytes, whichever comes first.
const BATCH_ENTRIES = 1000;
const BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Moves `domain` to `to` (SPEC §2): copies every raw entry of the source backend (any kind: the kind
 * record and core's internal entries are just entries), verifies count and SHA-256 of both sides,
 * writes the tombstone in the source (the commit point), switches the route in this store, then
 * deletes the old entries. The domain's writes in this process wait from the start of the copy to
 * the switch and then run on the target; a failure before the tombstone leaves the old route in force
 * and clears the target.
 */
export async function migrateDomain(
  ctx: StoreContext,
  domain: string,
  to: RouteConfig,
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  const started = performance.now();
  ctx.assertOpen();
  const from = ctx.router.route(domain);
  const target = normalizeRoute(to, ctx.router.adapters);
  if (sameStorage(from, target)) {
    throw new StoreError(
      'INVALID_OPTIONS',
      `domain "${domain}" already lives on ${target.adapter} at that location; give another adapter or path`,
    );
  }
  const src = await ctx.resolve(domain);
  if (src.backend.held) throw new StoreError('BUSY', `domain "${domain}" is already being migrated`);
  await ctx.kinds.assertNotMoved(src.backend, domain);
  const dst = await ctx.pool.open(domain, target);
  await prepareTarget(domain, dst.backend.raw, target);
  await ctx.flushState(src.backend);
  const hold = src.backend.hold();
  let copied: EntryHash;
  try {
    await hold.drained;
    copied = await copyEntries(src.backend.raw, dst.backend.raw, from, options.onProgress);
    await verify(domain, src.backend.raw, dst.backend.raw, copied);
    await src.backend.raw.transact((tx) => tx.put(MOVED_KEY, encodeRoute(target)));
  } catch (err) {
    hold.release();
    await dst.backend.raw.clear().catch(() => undefined); // the target is discardable; a later run clears it anyway
    ctx.kinds.forget(dst.backend);
    throw toStoreError(err);
  }
  // The tombstone is committed: from here on the domain lives on `target`.
  ctx.router.configure(domain, target);
  ctx.kinds.forget(src.backend);
  ctx.kinds.forget(dst.backend);
  hold.release(dst.backend);
  ctx.pool.forgetRoute(domain, from);
  await ctx.flushState(src.backend); // increments buffered during the copy, now forwarded to the target
  await dst.backend.raw.transact((tx) => tx.del(MIGRATING_KEY));
  await deleteAllBut(src.backend.raw, MOVED_KEY);
  return {
    domain,
    from,
    to: target,
    records: copied.count,
    bytes: copied.bytes,
    checksum: copied.digest(),
    ms: Math.round(performance.now() - started),
  };
}

/** Two routes share storage when they name one adapter and one `path` (an adapter's location option). */
function sameStorage(a: NormalizedRoute, b: NormalizedRoute): boolean {
  return a.adapter === b.adapter && JSON.stringify(a.options.path) === JSON.stringify(b.options.path);
}

/**
 * Empties the target when it holds only what a migration left (a partial copy or a tombstone); refuses
 * a target that holds live data of its own, which a copy would silently mix with the source's.
 */
async function prepareTarget(domain: string, raw: DomainBackend, route: NormalizedRoute): Promise<void> {
  const [marker, tombstone] = await raw.getMany([MIGRATING_KEY, MOVED_KEY]);
  if (marker !== undefined || tombstone !== undefined) {
    await raw.clear();
    return;
  }
  if ((await raw.count({ limit: 1 })) > 0) {
    throw new StoreError('CONFLICT', `domain "${domain}" already holds data on ${route.adapter}; drop it there first`);
  }
}

async function copyEntries(
  source: DomainBackend,
  target: DomainBackend,
  from: NormalizedRoute,
  onProgress: ((progress: MigrationProgress) => void) | undefined,
): Promise<EntryHash> {
  const total = await source.count({});
  await target.transact((tx) => tx.put(MIGRATING_KEY, encodeRoute(from)));
  const hash = new EntryHash();
  let batch: Array<[Uint8Array, Uint8Array]> = [];
  let batchBytes = 0;
  const flush = async (): Promise<void> => {
    const entries = batch;
    batch = [];
    batchBytes = 0;
    await target.transact((tx) => {
      for (const [k, v] of entries) tx.put(k, v);
    });
    onProgress?.({ copied: hash.count, total });
  };
  for await (const [key, value] of source.range({})) {
    if (isMigrationKey(key)) continue;
    hash.add(key, value);
    // Copies: a backend may reuse the buffers it yields once iteration moves on.
    batch.push([new Uint8Array(key), new Uint8Array(value)]);
    batchBytes += key.byteLength + value.byteLength;
    if (batch.length >= BATCH_ENTRIES || batchBytes >= BATCH_BYTES) await flush();
  }
  if (batch.length > 0 || hash.count === 0) await flush();
  return hash;
}

/** Counts both sides again and hashes the target independently of the copy. */
async function verify(domain: string, source: DomainBackend, target: DomainBackend, copied: EntryHash): Promise<void> {
  const sourceMeta = await source.getMany([MIGRATING_KEY]);
  const sourceCount = (await source.count({})) - sourceMeta.filter((v) => v !== undefined).length;
  if (sourceCount !== copied.count) {
    throw new StoreError(
      'CONFLICT',
      `domain "${domain}" changed during the copy (${copied.count} entries copied, ${sourceCount} now): is another process writing to it?`,
    );
  }
  const check = new EntryHash();
  for await (const [key, value] of target.range({})) {
    if (!isMigrationKey(key)) check.add(key, value);
  }
  const expected = copied.digest();
  const actual = check.digest();
  if (check.count !== copied.count || actual !== expected) {
    throw new StoreError(
      'CORRUPT',
      `domain "${domain}": the target does not match the source after the copy (${check.count}/${copied.count} entries, checksum ${actual.slice(0, 12)} vs ${expected.slice(0, 12)})`,
    );
  }
}

/** Deletes every entry of `raw` except `keep`, in bounded transactions. */
async function deleteAllBut(raw: DomainBackend, keep: Uint8Array): Promise<void> {
  for (;;) {
    const keys: Uint8Array[] = [];
    for await (const [key] of raw.range({ limit: BATCH_ENTRIES + 1 })) {
      if (!sameKey(key, keep)) keys.push(new Uint8Array(key));
    }
    if (keys.length === 0) return;
    await raw.transact((tx) => {
      for (const k of keys) tx.del(k);
    });
  }
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}
