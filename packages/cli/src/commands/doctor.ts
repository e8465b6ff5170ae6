import { isStoreError, type Store } from '@agentstore/core';
import { storeAdmin } from '@agentstore/core/admin';
import { configuredDomains, type LoadedConfig } from '../config.js';
import { EXIT, printError } from '../output.js';
import { type CommandContext, type GlobalOptions, openFor } from './context.js';
import { runIsolated } from './doctor-isolated.js';
import type { DoctorRow } from './doctor-row.js';

/**
 * Where the checks report as they go. `step` names the check about to run (a crash of the process
 * is charged to it) and answers whether to run it: a rerun after a crash skips the steps done.
 */
export interface DoctorSink {
  step(id: string, label: string): boolean;
  row(row: DoctorRow): void;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');

/**
 * The checks, in the process that may crash on a damaged file (see `doctor-isolated.ts`): opening
 * the store, each adapter's own integrity check (SQLite `PRAGMA integrity_check`), then a full read
 * and decode of every routed domain through core. An error of the config is thrown (exit 1); every
 * error met in the data is a FAULT row.
 */
export async function runChecks(global: GlobalOptions, sink: DoctorSink): Promise<void> {
  const fault = (target: string, detail: string): void => sink.row({ target, status: 'FAULT', detail });
  let store: Store;
  let config: LoadedConfig;
  try {
    // Read-only: the doctor looks, it never repairs or creates.
    ({ store, config } = await openFor(global, 'read'));
  } catch (err) {
    // No store there, or a config that cannot be used: an error of the command, not a fault found.
    if (isStoreError(err, 'NOT_FOUND') || isStoreError(err, 'INVALID_OPTIONS') || isStoreError(err, 'INVALID_ADAPTER')) throw err;
    fault('opening the store', message(err));
    return;
  }
  try {
    await checkStore(store, config, sink, fault);
  } finally {
    await store.close().catch((err: unknown) => fault('closing the store', message(err)));
  }
}

async function checkStore(
  store: Store,
  config: LoadedConfig,
  sink: DoctorSink,
  fault: (target: string, detail: string) => void,
): Promise<void> {
  const admin = storeAdmin(store);
  if (sink.step('adapters', 'adapter integrity checks')) {
    try {
      for (const r of await admin.checkAdapters()) {
        // Which engine build runs; a limited one is a warning (the data is fine), not a fault.
        if (r.engine)
          sink.row({ target: `adapter ${r.adapter}`, status: r.engine.multiProcess ? 'ok' : 'WARN', detail: `engine: ${r.engine.build}` });
        if (!r.supported) continue;
        if (r.faults.length === 0) sink.row({ target: `adapter ${r.adapter}`, status: 'ok', detail: 'engine integrity check' });
        for (const f of r.faults) fault(`adapter ${r.adapter}`, f);
      }
    } catch (err) {
      fault('adapters', message(err));
    }
  }
  const domains = new Set(configuredDomains(config));
  if (sink.step('listing', 'listing domains')) {
    try {
      for (const l of await admin.domains()) if (l.routed && !l.movedTo) domains.add(l.domain);
    } catch (err) {
      fault('listing domains', message(err));
    }
  }
  for (const domain of [...domains].sort()) {
    if (!sink.step(`domain:${domain}`, `domain ${domain}`)) continue;
    try {
      const c = await admin.check(domain);
      const target = `domain ${domain} (${c.adapter})`;
      const opaque = c.opaque > 0 ? `, ${c.opaque} values not in the default codec` : '';
      if (c.faults.length === 0)
        sink.row({ target, status: 'ok', detail: `${c.entries} entries read and decoded (${c.kind ?? 'empty'})${opaque}` });
      for (const f of c.faults) fault(target, f);
    } catch (err) {
      // A domain the manifest records was opened, so it had storage (dropDomain removes the record):
      // its storage missing now is a fault. One only the config routes may never have been written.
      if (!isStoreError(err, 'NOT_FOUND') || config.manifest?.domains[domain]) fault(`domain ${domain}`, message(err));
      else sink.row({ target: `domain ${domain}`, status: 'ok', detail: 'routed by the config, never written' });
    }
  }
}

/**
 * `doctor`: runs {@link runChecks} in a child process, so that an engine that crashes on a damaged
 * file (LMDB maps its file and keeps no page checksums) becomes a FAULT row naming what was being
 * read, and the rest is checked in a fresh child. Returns the exit code: 3 when anything is wrong.
 */
export async function doctor(ctx: CommandContext): Promise<number> {
  const outcome = await runIsolated(ctx.global);
  if (outcome.error) {
    printError(outcome.error, ctx.out.json);
    return outcome.error.exitCode;
  }
  const rows = outcome.rows;
  const faults = rows.filter((r) => r.status === 'FAULT').length;
  ctx.out.table(rows as unknown as Array<Record<string, unknown>>, ['target', 'status', 'detail']);
  ctx.out.note(faults === 0 ? 'doctor: no fault found' : `doctor: ${faults} fault(s)`);
  return faults === 0 ? EXIT.ok : EXIT.faults;
}
