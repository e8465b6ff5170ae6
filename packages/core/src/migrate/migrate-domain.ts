import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { normalizeRoute } from '../config/normalize-route.js';
import { StoreError } from '../errors.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import type { WriteHold } from '../runtime/gated-backend.js';
import { encodeIncoming, guardError, type MigrationOwner, MOVED_KEY, parseGuard } from '../runtime/migration-guard.js';
import type { StoreContext } from '../runtime/store-context.js';
import { toStoreError } from '../runtime/to-store-error.js';
import type { MigrateOptions, MigrationReport, NormalizedRoute, RouteConfig } from '../runtime/types.js';
import {
  claimTarget,
  commitTombstone,
  copyEntries,
  deleteAllButTombstone,
  hashOf,
  openTarget,
  ownerAlive,
  type Resync,
  resync,
  startOwnership,
  withdrawTombstone,
} from './migration-steps.js';

/** Re-sync and verify rounds after the freeze before the migration gives up and rolls back. */
const VERIFY_ROUNDS = 2;

/**
 * Moves `domain` to `to` (SPEC §2, §9.1) while every process may go on writing until the freeze:
 * 1. claims the target (its incoming marker refuses other writers there with `BUSY`) and copies
 *    every raw entry of the source, writers running;
 * 2. freezes the source: this process's writes wait, and one source transaction commits the
 *    tombstone, after which every write to the source, in any process, fails with `MOVED` in its own
 *    transaction;
 * 3. re-syncs the target with the frozen source (every key whose bytes differ, keys deleted meanwhile)
 *    and verifies a SHA-256 of every key and value of both sides;
 * 4. switches: removes the target's marker, routes the domain there in this store (waiting writes
 *    run there), and deletes the old entries, leaving the tombstone.
 * Every write acknowledged in any process is thus on the new route or was refused. A failure before
 * the tombstone leaves the old route in force and discards the target; one after it withdraws the
 * tombstone (the frozen source is the domain's data) and discards the target. A migration whose
 * process died after its tombstone is resumed by running it again with the same target.
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
  if (ctx.router.adapters.get(from.adapter)?.capabilities.guardedWrites !== true) {
    throw new StoreError(
      'UNSUPPORTED',
      `adapter ${from.adapter} does not refuse native counter updates and clears in their own transaction (capabilities.guardedWrites): ` +
        'a process could still write to the old location after the move',
    );
  }
  const src = await ctx.resolve(domain);
  if (src.backend.held) throw new StoreError('BUSY', `domain "${domain}" is already being migrated`);
  const dst = await ctx.pool.open(domain, target);
  const resumed = await resumableId(domain, src, dst, target);
  const owner = startOwnership(resumed ?? randomUUID());
  try {
    let copied = 0;
    let hold: WriteHold;
    if (resumed === undefined) {
      try {
        await claimTarget(domain, dst.backend.raw, from, target, owner);
      } catch (err) {
        throw toStoreError(err);
      }
      try {
        copied = await copyEntries(src.backend.raw, dst.backend.raw, options.onProgress);
        await ctx.flushState(src.backend);
        hold = src.backend.hold();
        try {
          await hold.drained;
          await commitTombstone(domain, src.backend.raw, target, owner.id);
        } catch (err) {
          hold.release();
          throw err;
        }
      } catch (err) {
        await discardTarget(ctx, dst);
        throw toStoreError(err);
      }
    } else {
      hold = src.backend.hold();
      await hold.drained;
    }
    // The source is frozen: nothing changes it from here on but this migration.
    let synced: Resync;
    let verifiedTarget: string;
    try {
      ({ synced, verifiedTarget } = await syncAndVerify(domain, src.backend.raw, dst.backend.raw));
      await openTarget(domain, dst.backend.raw, owner.id);
    } catch (err) {
      await withdrawTombstone(src.backend.raw, owner.id).catch(() => undefined);
      await discardTarget(ctx, dst);
      hold.release();
      throw toStoreError(err);
    }
    ctx.router.configure(domain, target);
    ctx.kinds.forget(src.backend);
    ctx.kinds.forget(dst.backend);
    hold.release(dst.backend);
    ctx.pool.forgetRoute(domain, from);
    await ctx.flushState(src.backend); // increments buffered during the freeze, now forwarded to the target
    await deleteAllButTombstone(src.backend.raw);
    const source = synced.source;
    return {
      domain,
      from,
      to: target,
      records: source.count,
      bytes: source.bytes,
      checksum: source.digest(),
      verification: { algorithm: 'sha256', entries: source.count, source: source.digest(), target: verifiedTarget },
      copied,
      resynced: synced.changed,
      resumed: resumed !== undefined,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    owner.done();
  }
}

/**
 * Re-syncs the target with the frozen source and compares the hash of every key and value of both;
 * a mismatch (something else wrote to the target) gets one more round, then fails with `CORRUPT`.
 */
async function syncAndVerify(
  domain: string,
  source: OpenDomain['backend']['raw'],
  target: OpenDomain['backend']['raw'],
): Promise<{ synced: Resync; verifiedTarget: string }> {
  let changed = 0;
  for (let round = 1; ; round++) {
    const synced = await resync(source, target);
    changed += synced.changed;
    const check = await hashOf(target);
    const expected = synced.source.digest();
    const actual = check.digest();
    if (check.count === synced.source.count && actual === expected) {
      return { synced: { source: synced.source, changed }, verifiedTarget: actual };
    }
    if (round >= VERIFY_ROUNDS) {
      throw new StoreError(
        'CORRUPT',
        `domain "${domain}": the target does not match the frozen source after the re-sync (${check.count}/${synced.source.count} entries, sha256 ${actual.slice(0, 12)} vs ${expected.slice(0, 12)})`,
      );
    }
  }
}

/**
 * When the source holds a tombstone naming this target and the target the incoming marker of the
 * same migration, whose process is gone: that migration's id, to resume it after its commit point.
 * Any other tombstone or marker in the source is `MOVED` / `BUSY`.
 */
async function resumableId(domain: string, src: OpenDomain, dst: OpenDomain, target: NormalizedRoute): Promise<string | undefined> {
  const guard = await src.backend.raw.get(MOVED_KEY);
  if (guard === undefined) return undefined;
  const tombstone = parseGuard(guard);
  if (tombstone.state !== 'moved' || tombstone.id === undefined) throw guardError(domain, guard);
  if (!sameStorage({ adapter: tombstone.adapter, options: tombstone.options } as NormalizedRoute, target)) throw guardError(domain, guard);
  const marker = await dst.backend.raw.get(MOVED_KEY);
  const incoming = marker === undefined ? undefined : parseGuard(marker);
  if (incoming?.state !== 'incoming' || incoming.owner.id !== tombstone.id) throw guardError(domain, guard);
  if (ownerAlive(incoming.owner)) throw guardError(domain, marker as Uint8Array);
  await takeOver(domain, dst, tombstone.id, incoming.owner, src.route);
  return tombstone.id;
}

/** Puts this process's pid into a dead migration's marker, in a transaction that finds it unchanged. */
async function takeOver(domain: string, dst: OpenDomain, id: string, dead: MigrationOwner, from: NormalizedRoute): Promise<void> {
  const me = { id, pid: process.pid, host: hostname() };
  await dst.backend.raw.transact((tx) => {
    const marker = tx.get(MOVED_KEY);
    const state = marker === undefined ? undefined : parseGuard(marker);
    if (state?.state !== 'incoming' || state.owner.id !== id || state.owner.pid !== dead.pid || state.owner.host !== dead.host) {
      throw new StoreError('BUSY', `domain "${domain}": another process is resuming this migration`);
    }
    tx.put(MOVED_KEY, encodeIncoming(from, me));
  });
}

/** Empties the target after a failed migration (a later run would clear it anyway). */
async function discardTarget(ctx: StoreContext, dst: OpenDomain): Promise<void> {
  await dst.backend.raw.clear().catch(() => undefined);
  ctx.kinds.forget(dst.backend);
}

/** Two routes share storage when they name one adapter and one `path` (an adapter's location option). */
function sameStorage(a: NormalizedRoute, b: NormalizedRoute): boolean {
  return a.adapter === b.adapter && JSON.stringify(a.options.path) === JSON.stringify(b.options.path);
}
