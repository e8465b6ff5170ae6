import type { RouteConfig } from '@agentstore/core';
import { writeRoute } from '../config.js';
import { startProgress } from '../progress.js';
import { type CommandContext, parseJsonObject, withStore } from './context.js';

/**
 * `migrate <domain> --to <adapter> [--options json]`: `store.migrateDomain`, then the config file's
 * route. Run it with the application stopped: a process that has the domain open keeps using the old
 * location until it reopens it (then it gets MOVED).
 */
export async function migrate(ctx: CommandContext, domain: string, opts: { to: string; options?: string }): Promise<void> {
  const options = parseJsonObject('--options', opts.options);
  const route: RouteConfig = { adapter: opts.to, ...(options === undefined ? {} : { options }) };
  const report = await withStore(ctx.global, async (store, config) => {
    const progress = await startProgress(`migrate ${domain}`, 0, !ctx.out.json);
    let result: Awaited<ReturnType<typeof store.migrateDomain>>;
    try {
      result = await store.migrateDomain(domain, route, { onProgress: ({ copied, total }) => progress.update(copied, total) });
    } finally {
      progress.stop();
    }
    await writeRoute(config, domain, route);
    return { ...result, config: config.file };
  });
  ctx.out.object({ ...report, from: report.from.adapter, to: report.to.adapter });
}
