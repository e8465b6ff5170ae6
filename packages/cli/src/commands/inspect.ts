import { storeAdmin } from '@agentstore/core/admin';
import { preview } from '../render.js';
import { type CommandContext, withStore } from './context.js';

/** How many counters `inspect` shows per kv domain. */
const COUNTERS_SHOWN = 3;

/** `inspect` / `stats`: every domain with adapter, kind, records, bytes, a few counters; moved ones too. */
export async function inspect(ctx: CommandContext): Promise<void> {
  const engines = new Map<string, string>();
  const rows = await withStore(
    ctx.global,
    async (store) => {
      const admin = storeAdmin(store);
      const out: Array<Record<string, unknown>> = [];
      for (const s of await store.stats()) {
        if (s.engine) engines.set(s.adapter, s.engine);
        const routed = store.adapterOf(s.domain) === s.adapter;
        const counters = routed && s.kind === 'kv' ? await admin.counters(s.domain, COUNTERS_SHOWN + 1) : [];
        const shown = counters.slice(0, COUNTERS_SHOWN).map(([k, v]) => `${preview(k, 40)}=${v}`);
        if (counters.length > COUNTERS_SHOWN) shown.push('…');
        out.push({
          domain: s.domain,
          adapter: s.adapter,
          kind: s.kind ?? '',
          records: s.records,
          bytes: s.bytes ?? null,
          counters: ctx.out.json
            ? Object.fromEntries(counters.slice(0, COUNTERS_SHOWN).map(([k, v]) => [JSON.stringify(k), v]))
            : shown.join(' '),
          status: routed ? 'routed' : 'not routed here',
          // Operations through this process's store since it opened (core's store.stats()).
          ...(s.operations && {
            ops: ctx.out.json ? s.operations : `${s.operations.count} (${s.operations.errors} failed), mean ${s.operations.meanMs} ms`,
          }),
        });
      }
      for (const l of await admin.domains()) {
        if (!l.movedTo) continue;
        out.push({
          domain: l.domain,
          adapter: l.adapter,
          kind: '',
          records: 0,
          bytes: null,
          counters: ctx.out.json ? {} : '',
          status: `moved to ${l.movedTo.adapter}`,
        });
      }
      return out.sort((a, b) => String(a.domain).localeCompare(String(b.domain)) || String(a.adapter).localeCompare(String(b.adapter)));
    },
    'read',
  );
  const columns = ['domain', 'adapter', 'kind', 'records', 'bytes', 'counters', 'status'];
  ctx.out.table(rows, rows.some((r) => r.ops !== undefined) ? [...columns, 'ops'] : columns);
  for (const [adapter, engine] of engines) ctx.out.note(`engine ${adapter}: ${engine}`);
}
