import { storeAdmin } from '@agentstore/core';
import { EXIT } from '../output.js';
import { type CommandContext, withStore } from './context.js';

/**
 * `doctor`: each adapter's own integrity check (SQLite `PRAGMA integrity_check`), then a full read and
 * decode of every routed domain through core. Returns the exit code: 3 when anything is wrong.
 */
export async function doctor(ctx: CommandContext): Promise<number> {
  const rows: Array<Record<string, unknown>> = [];
  const fault = (target: string, detail: string): void => {
    rows.push({ target, status: 'FAULT', detail });
  };
  await withStore(ctx.global, async (store, config) => {
    const admin = storeAdmin(store);
    try {
      for (const r of await admin.checkAdapters()) {
        // Which engine build runs; a limited one is a warning (the data is fine), not a fault.
        if (r.engine)
          rows.push({ target: `adapter ${r.adapter}`, status: r.engine.multiProcess ? 'ok' : 'WARN', detail: `engine: ${r.engine.build}` });
        if (!r.supported) continue;
        if (r.faults.length === 0) rows.push({ target: `adapter ${r.adapter}`, status: 'ok', detail: 'engine integrity check' });
        for (const f of r.faults) fault(`adapter ${r.adapter}`, f);
      }
    } catch (err) {
      fault('adapters', err instanceof Error ? err.message : String(err));
    }
    const domains = new Set(Object.keys(config.store.domains ?? {}));
    try {
      for (const l of await admin.domains()) if (l.routed && !l.movedTo) domains.add(l.domain);
    } catch (err) {
      fault('listing domains', err instanceof Error ? err.message : String(err));
    }
    for (const domain of [...domains].sort()) {
      try {
        const c = await admin.check(domain);
        const target = `domain ${domain} (${c.adapter})`;
        const opaque = c.opaque > 0 ? `, ${c.opaque} values not in the default codec` : '';
        if (c.faults.length === 0)
          rows.push({ target, status: 'ok', detail: `${c.entries} entries read and decoded (${c.kind ?? 'empty'})${opaque}` });
        for (const f of c.faults) fault(target, f);
      } catch (err) {
        fault(`domain ${domain}`, err instanceof Error ? err.message : String(err));
      }
    }
  });
  const faults = rows.filter((r) => r.status === 'FAULT').length;
  ctx.out.table(rows, ['target', 'status', 'detail']);
  ctx.out.note(faults === 0 ? 'doctor: no fault found' : `doctor: ${faults} fault(s)`);
  return faults === 0 ? EXIT.ok : EXIT.faults;
}
