import type { DomainStore, KvReader, Range, Store } from '@agentstore/core';

/** What a spied store saw: every range read, and how many entries each read returned. */
export interface ReadLog {
  ranges: Array<{ domain: string; range: Range | undefined; returned: number }>;
  /** Entries handed out by range reads, in total. */
  readonly total: number;
}

/** Wraps `store` so every `entries`/`keys` call on its kv handles and their readers (`read`) is logged. */
export function spyStore(store: Store): { store: Store; log: ReadLog } {
  const log: ReadLog = {
    ranges: [],
    get total() {
      return this.ranges.reduce((sum, r) => sum + r.returned, 0);
    },
  };
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'kv') return Reflect.get(target, prop, receiver);
      return (domain: string, options?: unknown) => spyKv(target.kv(domain, options as never), domain, log);
    },
  });
  return { store: wrapped, log };
}

function spyKv<V>(kv: DomainStore<V>, domain: string, log: ReadLog): DomainStore<V> {
  return new Proxy(kv, {
    get(target, prop, receiver) {
      if (prop === 'read') return <T>(fn: (reader: KvReader<V>) => T) => target.read((reader) => fn(spyReader(reader, domain, log)));
      if (prop !== 'entries' && prop !== 'keys') {
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (range?: Range) => {
        const entry = { domain, range, returned: 0 };
        log.ranges.push(entry);
        const inner = (prop === 'entries' ? target.entries(range) : target.keys(range)) as AsyncIterable<unknown>;
        return (async function* () {
          for await (const item of inner) {
            entry.returned++;
            yield item;
          }
        })();
      };
    },
  });
}

function spyReader<V>(reader: KvReader<V>, domain: string, log: ReadLog): KvReader<V> {
  const logged = <T>(range: Range, rows: T[]): T[] => {
    log.ranges.push({ domain, range, returned: rows.length });
    return rows;
  };
  return {
    get: (key) => reader.get(key),
    getMany: (keys) => reader.getMany(keys),
    entries: (range) => logged(range, reader.entries(range)),
    keys: (range) => logged(range, reader.keys(range)),
  };
}
