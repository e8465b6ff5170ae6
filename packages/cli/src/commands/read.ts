import { StoreError } from '@agentstore/core';
import { storeAdmin, toDisplay } from '@agentstore/core/admin';
import { preview } from '../render.js';
import { type CommandContext, parseCount, parseKey, withStore } from './context.js';

/** `ls <domain>`: kv entries, checkpoint traces or journal streams, by the domain's kind. */
export async function ls(ctx: CommandContext, domain: string, opts: { prefix?: string; limit?: string }): Promise<void> {
  const limit = parseCount('--limit', opts.limit) ?? 100;
  await withStore(
    ctx.global,
    async (store) => {
      const kind = await storeAdmin(store).kind(domain);
      if (kind === undefined || kind === 'kv') {
        const rows: Array<Record<string, unknown>> = [];
        const range = { limit, ...(opts.prefix === undefined ? {} : { prefix: parseKey(opts.prefix) }) };
        for await (const [key, value] of store.kv(domain).entries(range)) {
          rows.push(ctx.out.json ? { key, value: toDisplay(value) } : { key: preview(key, 60), value: preview(value) });
        }
        ctx.out.table(rows, ['key', 'value']);
      } else if (kind === 'checkpoints') {
        const traces = await store.checkpoints(domain).traces({ limit, ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }) });
        ctx.out.table(traces.map((trace) => ({ trace })));
      } else if (kind === 'journal') {
        const journal = store.journal(domain);
        const streams = await journal.streams({ limit, ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }) });
        const rows = [];
        for (const stream of streams) rows.push({ stream, lastSeq: await journal.lastSeq(stream) });
        ctx.out.table(rows);
      } else {
        throw new StoreError('UNSUPPORTED', `ls does not list ${kind} domains; use export`);
      }
    },
    'read',
  );
}

/** `get <domain> <key>`: one kv value as typed JSON. */
export async function get(ctx: CommandContext, domain: string, keyText: string): Promise<void> {
  const key = parseKey(keyText);
  const value = await withStore(ctx.global, (store) => store.kv(domain).get(key), 'read');
  if (value === undefined) throw new StoreError('NOT_FOUND', `no value under ${JSON.stringify(key)} in "${domain}"`);
  process.stdout.write(`${JSON.stringify(toDisplay(value), null, ctx.out.json ? 2 : undefined)}\n`);
}

/** `traces <domain>`: trace ids of a checkpoints domain. */
export async function traces(
  ctx: CommandContext,
  domain: string,
  opts: { prefix?: string; limit?: string; after?: string },
): Promise<void> {
  const limit = parseCount('--limit', opts.limit);
  const list = await withStore(
    ctx.global,
    (store) =>
      store.checkpoints(domain).traces({
        ...(limit === undefined ? {} : { limit }),
        ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }),
        ...(opts.after === undefined ? {} : { after: opts.after }),
      }),
    'read',
  );
  ctx.out.table(list.map((trace) => ({ trace })));
}

/** `checkpoints <domain> <trace>`: a trace's checkpoints, newest first. */
export async function checkpoints(ctx: CommandContext, domain: string, trace: string, opts: { limit?: string }): Promise<void> {
  const limit = parseCount('--limit', opts.limit) ?? 20;
  const infos = await withStore(ctx.global, (store) => store.checkpoints(domain).list(trace, { limit }), 'read');
  const rows = infos.map((i) => ({
    id: i.id,
    seq: i.seq,
    createdAt: new Date(i.createdAt).toISOString(),
    size: i.size,
    parentId: i.parentId ?? '',
    metadata: ctx.out.json ? i.metadata : preview(i.metadata, 60),
  }));
  ctx.out.table(rows, ['seq', 'id', 'createdAt', 'size', 'parentId', 'metadata']);
}
