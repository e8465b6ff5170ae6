import { sweepExpired, ttlDomain } from '../kv/ttl.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import { MOVED_KEY } from '../runtime/migration-guard.js';
import type { StoreContext } from '../runtime/store-context.js';
import type { DomainKind } from '../types.js';
import { pruneCheckpoints } from './prune-checkpoints.js';
import { pruneJournal } from './prune-journal.js';
import type { DomainPruneResult, PruneOptions, PruneReport } from './prune-types.js';

export type { DomainPruneResult, PruneOptions, PruneReport } from './prune-types.js';

/**
 * Applies every retention rule of every domain with data on its current route: `maxAge` on journal
 * and checkpoints domains (cutoff = this process's clock minus maxAge, taken once per domain), and
 * the TTL sweep on kv domains that hold records with a TTL.
 */
export async function pruneStore(ctx: StoreContext, options: PruneOptions = {}): Promise<PruneReport> {
  const dryRun = options.dryRun === true;
  if (options.domain !== undefined) ctx.router.route(options.domain); // INVALID_DOMAIN for a bad name
  const report: PruneReport = {};
  const adapters = new Set([...ctx.router.routedAdapters(), ...ctx.pool.openedAdapters()]);
  for (const name of [...adapters].sort()) {
    const instance = await ctx.pool.instance(name);
    for (const domain of (await instance.listDomains()).sort()) {
      if (options.domain !== undefined && domain !== options.domain) continue;
      const route = ctx.router.route(domain);
      if (route.adapter !== name) continue; // data left on another adapter is not the domain's
      const d = await ctx.resolve(domain);
      if ((await d.backend.raw.get(MOVED_KEY)) !== undefined) continue;
      const kind = await ctx.kinds.read(d.backend);
      const result = kind === undefined ? undefined : await pruneDomain(ctx, d, kind, dryRun);
      if (result !== undefined) report[domain] = { kind: kind as DomainKind, adapter: name, ...result };
    }
  }
  return report;
}

async function pruneDomain(
  ctx: StoreContext,
  d: OpenDomain,
  kind: DomainKind,
  dryRun: boolean,
): Promise<Pick<DomainPruneResult, 'rule' | 'removed'> | undefined> {
  const maxAge = d.options.maxAge;
  if (kind === 'kv') {
    if (!(await ttlDomain(ctx, d).mayHoldTtl())) return undefined;
    return { rule: 'ttl', removed: await sweepExpired(ctx, d, dryRun) };
  }
  if (maxAge === undefined) return undefined;
  const cutoff = Date.now() - maxAge;
  if (kind === 'journal') return { rule: 'maxAge', removed: await pruneJournal(ctx, d, cutoff, dryRun) };
  if (kind === 'checkpoints') return { rule: 'maxAge', removed: await pruneCheckpoints(ctx, d, cutoff, dryRun) };
  return undefined;
}
