import { StoreError } from '../errors.js';
import type { DomainBackend, SyncReader, WriteGuard } from '../spi/backend.js';

function refused(domain: string): StoreError {
  return new StoreError('UNSUPPORTED', `domain "${domain}": the store was opened read-only`);
}

/**
 * `backend` with every write refused (`UNSUPPORTED`) before it reaches the adapter: a read-only store
 * never writes even where an adapter's read-only open could (an emulated engine, a pool connection).
 */
export function readOnlyBackend(backend: DomainBackend, domain: string): DomainBackend {
  const view: DomainBackend = {
    get: (key) => backend.get(key),
    getMany: (keys) => backend.getMany(keys),
    range: (range) => backend.range(range),
    count: (range) => backend.count(range),
    transact: () => Promise.reject(refused(domain)),
    clear: () => Promise.reject(refused(domain)),
  };
  // Synchronous reads pass through where the adapter has them (they never write).
  if (backend.readSync) view.readSync = <T>(fn: (reader: SyncReader) => T, guard?: WriteGuard) => backend.readSync?.(fn, guard) as T;
  if (backend.getSync) view.getSync = (key, guard) => backend.getSync?.(key, guard);
  if (backend.getSyncTransient) view.getSyncTransient = (key, guard) => backend.getSyncTransient?.(key, guard);
  if (backend.rangeSync) view.rangeSync = (range, guard) => backend.rangeSync?.(range, guard) ?? [];
  if (backend.sizeBytes) view.sizeBytes = () => (backend.sizeBytes as () => Promise<number | undefined>)();
  return view;
}
