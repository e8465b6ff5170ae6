import { StoreError } from '@agentstore/core';
import { UsageError } from '../output.js';
import { type CommandContext, parseCount, withStore } from './context.js';

/** `prune <domain> --keep N [--trace t]`: keeps the newest N checkpoints of every trace (or one). */
export async function prune(ctx: CommandContext, domain: string, opts: { keep?: string; trace?: string }): Promise<void> {
  const keep = parseCount('--keep', opts.keep);
  if (keep === undefined) throw new UsageError('prune needs --keep N');
  const rows = await withStore(ctx.global, async (store) => {
    const cp = store.checkpoints(domain);
    const out: Array<{ trace: string; removed: number }> = [];
    if (opts.trace !== undefined) {
      out.push({ trace: opts.trace, removed: await cp.prune(opts.trace, keep) });
      return out;
    }
    let after: string | undefined;
    for (;;) {
      const page = await cp.traces({ limit: 500, ...(after === undefined ? {} : { after }) });
      for (const trace of page) out.push({ trace, removed: await cp.prune(trace, keep) });
      if (page.length < 500) return out;
      after = page[page.length - 1];
    }
  });
  ctx.out.table(rows, ['trace', 'removed']);
  ctx.out.note(`prune: ${rows.reduce((n, r) => n + r.removed, 0)} checkpoint(s) removed`);
}

/**
 * `prune [domain] [--dry-run]`: applies every retention rule (`store.prune()`: `maxAge` on journal and
 * checkpoints domains, the sweep of expired kv records) and lists what it removed per domain.
 */
export async function pruneByRules(ctx: CommandContext, domain: string | undefined, opts: { dryRun?: boolean }): Promise<void> {
  const report = await withStore(ctx.global, (store) =>
    store.prune({ dryRun: opts.dryRun === true, ...(domain === undefined ? {} : { domain }) }),
  );
  const rows = Object.entries(report).map(([name, r]) => ({
    domain: name,
    kind: r.kind,
    adapter: r.adapter,
    rule: r.rule,
    removed: r.removed,
  }));
  ctx.out.table(rows, ['domain', 'kind', 'adapter', 'rule', 'removed']);
  const total = rows.reduce((n, r) => n + r.removed, 0);
  ctx.out.note(
    `prune: ${total} record(s) ${opts.dryRun ? 'would be removed (dry run)' : 'removed'} in ${rows.length} domain(s) with a rule`,
  );
}

/** `truncate <domain> <stream> --before <seq>`: journal retention. */
export async function truncate(ctx: CommandContext, domain: string, stream: string, opts: { before?: string }): Promise<void> {
  const before = parseCount('--before', opts.before);
  if (before === undefined) throw new UsageError('truncate needs --before <seq>');
  const removed = await withStore(ctx.global, async (store) => {
    if (typeof store.journal !== 'function') throw new StoreError('UNSUPPORTED', 'this core has no journal kind');
    return store.journal(domain).truncateBefore(stream, before);
  });
  ctx.out.object({ domain, stream, before, removed });
}
