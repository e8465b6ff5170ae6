import { z } from 'zod';
import { cursorOf, decodeCursor, encodeCursor, isOffset, takePage } from '../paging.js';
import { defineTool, pageLimit, pageShape } from '../tool.js';

/** One row of `list_domains`. */
interface DomainRow {
  readonly domain: string;
  readonly adapter: string;
  readonly kind: string | null;
  readonly records: number;
  readonly bytes: number | null;
  /** Whether the store routes the domain to this adapter now (false: data left on another backend). */
  readonly routed: boolean;
  /** Set when a migration left only its tombstone here. */
  readonly movedTo?: string;
}

/** `list_domains`: every domain with data, its adapter, kind and record count (from `store.stats()` and `StoreAdmin`). */
export const listDomains = defineTool({
  name: 'list_domains',
  description:
    'List the domains of the store with their adapter, kind (kv, checkpoints, journal, versioned, snapshots, artifacts), record count and bytes where known. Paged.',
  input: z.strictObject({ ...pageShape }),
  write: false,
  async run(ctx, args) {
    const rows: DomainRow[] = (await ctx.store.stats()).map((s) => ({
      domain: s.domain,
      adapter: s.adapter,
      kind: s.kind ?? null,
      records: s.records,
      bytes: s.bytes ?? null,
      routed: ctx.store.adapterOf(s.domain) === s.adapter,
    }));
    for (const l of await ctx.admin.domains()) {
      if (l.movedTo)
        rows.push({
          domain: l.domain,
          adapter: l.adapter,
          kind: null,
          records: 0,
          bytes: null,
          routed: l.routed,
          movedTo: l.movedTo.adapter,
        });
    }
    rows.sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.adapter < b.adapter ? -1 : a.adapter > b.adapter ? 1 : 0));
    const offset = cursorOf(decodeCursor('list_domains', '', args.cursor), isOffset) ?? 0;
    const page = takePage(rows.slice(offset), pageLimit(ctx, args.limit), ctx.options.maxBytes);
    return {
      domains: page.items,
      ...(page.more ? { nextCursor: encodeCursor('list_domains', '', offset + page.items.length) } : {}),
    };
  },
});
