import { expandShortForm } from './config/short-form.js';
import { migrateDomain } from './migrate/migrate-domain.js';
import { AgentStore } from './runtime/agent-store.js';
import { BackendPool } from './runtime/backend-pool.js';
import { Router } from './runtime/router.js';
import { StoreContext } from './runtime/store-context.js';
import { loadTelemetry } from './runtime/telemetry.js';
import { toStoreError } from './runtime/to-store-error.js';
import type { Store, StoreConfig } from './runtime/types.js';
import { validateConfig } from './runtime/validate-config.js';

/**
 * Opens a store: validates the config and routes, and preflights the adapters they name (nothing is
 * opened until a domain is used). Short forms: `createStore('./agent-data')` (the first installed of
 * sqlite, lmdb, level), `createStore('lmdb:./agent-data')`, `createStore({ url: 'postgres://…' })`.
 */
export async function createStore(config: StoreConfig | string = {}): Promise<Store> {
  try {
    const checked = validateConfig(await expandShortForm(config));
    const router = new Router(checked.adapters, checked.defaultRoute, checked.domains);
    // The routes are valid now: check that every adapter they name can run here (native addons built).
    const routed = new Set([checked.defaultRoute.adapter, ...Object.values(checked.domains).map((route) => route.adapter)]);
    for (const name of routed) checked.adapters.get(name)?.preflight?.();
    const ctx = new StoreContext(router, new BackendPool(router, checked.dataDir), await loadTelemetry());
    return new AgentStore(checked.dataDir, ctx, migrateDomain);
  } catch (err) {
    throw toStoreError(err);
  }
}
