import { expandShortForm } from './config/short-form.js';
import { ManifestRecorder } from './manifest/manifest-recorder.js';
import { migrateDomain } from './migrate/migrate-domain.js';
import { AgentStore } from './runtime/agent-store.js';
import { BackendPool } from './runtime/backend-pool.js';
import { Router } from './runtime/router.js';
import { StoreContext } from './runtime/store-context.js';
import { loadTelemetry } from './runtime/telemetry.js';
import { toStoreError } from './runtime/to-store-error.js';
import type { Store, StoreConfig } from './runtime/types.js';
import { validateConfig } from './runtime/validate-config.js';

/** How {@link buildStore} opens: read-only, or recording its routes in dataDir's manifest (the default). */
export interface BuildMode {
  readonly readOnly?: boolean;
}

/**
 * Opens a store: validates the config and routes, and preflights the adapters they name (nothing is
 * opened until a domain is used). Each domain opened on a persistent adapter is recorded in dataDir's
 * manifest (SPEC §9.6), so that later processes find it without this config. Short forms:
 * `createStore('./agent-data')` (the first installed of sqlite, lmdb, level),
 * `createStore('lmdb:./agent-data')`, `createStore({ url: 'postgres://…' })`.
 */
export async function createStore(config: StoreConfig | string = {}): Promise<Store> {
  return buildStore(config, {});
}

/** {@link createStore} with a mode: `openStore` opens read-only through it. */
export async function buildStore(config: StoreConfig | string, mode: BuildMode): Promise<Store> {
  try {
    const checked = validateConfig(await expandShortForm(config));
    const router = new Router(checked.adapters, checked.defaultRoute, checked.domains);
    // The routes are valid now: check that every adapter they name can run here (native addons built).
    const routed = new Set([checked.defaultRoute.adapter, ...Object.values(checked.domains).map((route) => route.adapter)]);
    for (const name of routed) checked.adapters.get(name)?.preflight?.();
    const poolMode = mode.readOnly
      ? { readOnly: true }
      : { recorder: new ManifestRecorder(checked.dataDir, checked.adapters, router.defaultRoute()) };
    const ctx = new StoreContext(router, new BackendPool(router, checked.dataDir, poolMode), await loadTelemetry());
    return new AgentStore(checked.dataDir, ctx, migrateDomain);
  } catch (err) {
    throw toStoreError(err);
  }
}
