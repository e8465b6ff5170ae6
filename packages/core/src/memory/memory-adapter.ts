import { z } from 'zod';
import { StoreError } from '../errors.js';
import type { Adapter, AdapterInstance, OpenContext } from '../spi/adapter.js';
import { MemoryBackend } from './memory-backend.js';

/** The memory adapter has no options of its own. */
export const memoryOptionsSchema = z.object({}).strict();

/** Options of the memory adapter (none). */
export type MemoryOptions = z.input<typeof memoryOptionsSchema>;

/** Opens a memory adapter instance: data lives as long as the store that opened it. */
function openMemory(readOnly: boolean): AdapterInstance<MemoryOptions> {
  const domains = new Map<string, MemoryBackend>();
  return {
    async domain(domain) {
      let backend = domains.get(domain);
      if (!backend) {
        // A read-only instance is new and empty: no domain exists in it.
        if (readOnly) throw new StoreError('NOT_FOUND', `memory: no domain "${domain}"`);
        backend = new MemoryBackend();
        domains.set(domain, backend);
      }
      return backend;
    },
    async dropDomain(domain) {
      await domains.get(domain)?.clear();
      domains.delete(domain);
    },
    async listDomains() {
      return [...domains.keys()].sort();
    },
    async sync() {},
    async close() {
      domains.clear();
    },
  };
}

/** The built-in, always-registered memory adapter: for tests and throwaway data. */
export const memoryAdapter: Adapter<MemoryOptions> = {
  name: 'memory',
  optionsSchema: memoryOptionsSchema,
  capabilities: { multiProcess: false, persistent: false, guardedWrites: true },
  async open(ctx: OpenContext) {
    return openMemory(ctx.readOnly === true);
  },
};
