import type { DomainStore, Key, Store } from '@agentstore/core';

/** Every key a spied store's kv handles were asked to write or delete, with its domain. */
export interface WriteLog {
  readonly keys: Array<{ domain: string; op: 'put' | 'delete'; key: Key }>;
}

/** Wraps `store` so every `put`/`putMany`/`delete`/`deleteMany` of its kv handles is logged before it runs. */
export function spyWrites(store: Store): { store: Store; log: WriteLog } {
  const log: WriteLog = { keys: [] };
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'kv') return Reflect.get(target, prop, receiver);
      return (domain: string, options?: unknown) => spyKv(target.kv(domain, options as never), domain, log);
    },
  });
  return { store: wrapped, log };
}

function spyKv<V>(kv: DomainStore<V>, domain: string, log: WriteLog): DomainStore<V> {
  const record = (op: 'put' | 'delete', key: Key) => log.keys.push({ domain, op, key });
  return new Proxy(kv, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      switch (prop) {
        case 'put':
          return (key: Key, v: V) => {
            record('put', key);
            return target.put(key, v);
          };
        case 'putMany':
          return (entries: ReadonlyArray<readonly [Key, V]>) => {
            for (const [key] of entries) record('put', key);
            return target.putMany(entries);
          };
        case 'delete':
          return (key: Key) => {
            record('delete', key);
            return target.delete(key);
          };
        case 'deleteMany':
          return (keys: readonly Key[]) => {
            for (const key of keys) record('delete', key);
            return target.deleteMany(keys);
          };
        default:
          return value.bind(target);
      }
    },
  });
}
