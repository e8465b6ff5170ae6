import type { Adapter, AdapterInstance, DomainBackend } from '@agentstore/core/spi';

/** The optional synchronous reads of the SPI, which `asyncReadsOnly` hides. */
const SYNC_READS: ReadonlySet<PropertyKey> = new Set(['readSync', 'getSync', 'getSyncTransient', 'rangeSync']);

/** `backend` without `readSync`/`getSync`/`getSyncTransient`/`rangeSync`: core then reads through `get`, `getMany` and `range`. */
function withoutSyncReads(backend: DomainBackend): DomainBackend {
  return new Proxy(backend, {
    get(target, prop) {
      if (SYNC_READS.has(prop)) return undefined;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    has(target, prop) {
      return !SYNC_READS.has(prop) && Reflect.has(target, prop);
    },
  });
}

/**
 * `adapter` with the SPI's synchronous reads hidden from core, under the name `<name>_async`: the
 * suite runs its read specs through both forms on adapters that have the synchronous one (core
 * takes it wherever a backend offers it).
 */
export function asyncReadsOnly<I, O>(adapter: Adapter<I, O>): Adapter<I, O> {
  return {
    name: `${adapter.name}_async`,
    optionsSchema: adapter.optionsSchema,
    capabilities: adapter.capabilities,
    ...(adapter.preflight && { preflight: () => adapter.preflight?.() }),
    async open(ctx) {
      const instance = await adapter.open(ctx);
      return new Proxy(instance, {
        get(target, prop) {
          if (prop === 'domain') {
            return async (...args: Parameters<AdapterInstance<O>['domain']>) => withoutSyncReads(await target.domain(...args));
          }
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
  };
}
