import {
  type Adapter,
  type AdapterInstance,
  type ByteRange,
  type Bytes,
  type DomainBackend,
  StoreError,
  type Tx,
} from '@agentstore/core/spi';
import { z } from 'zod';

/**
 * A test-only adapter that keeps its data in a process-global map keyed by dataDir, so it claims
 * `persistent` and lets the suite's persistence and second-instance specs run without a real engine.
 * `mutation` breaks one behaviour on purpose, to prove the suite notices.
 */
export type Mutation = 'none' | 'ignore-reverse' | 'count-off-by-one' | 'lose-on-reopen' | 'non-atomic' | 'buffer-values';

type Entry = [Bytes, Bytes];
const worlds = new Map<string, Map<string, Entry[]>>();

function cmp(a: Bytes, b: Bytes): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Index of the first entry whose key is >= key (or > key when `after`). */
function lowerBound(rows: Entry[], key: Bytes, after: boolean): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = cmp((rows[mid] as Entry)[0], key);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function select(rows: Entry[], r: ByteRange, mutation: Mutation): Entry[] {
  let start = 0;
  let end = rows.length;
  if (r.gte) start = Math.max(start, lowerBound(rows, r.gte, false));
  if (r.gt) start = Math.max(start, lowerBound(rows, r.gt, true));
  if (r.lt) end = Math.min(end, lowerBound(rows, r.lt, false));
  if (r.lte) end = Math.min(end, lowerBound(rows, r.lte, true));
  if (start >= end) return [];
  let out = rows.slice(start, end);
  if (r.reverse && mutation !== 'ignore-reverse') out.reverse();
  if (r.limit !== undefined) out = out.slice(0, r.limit);
  return out;
}

function put(rows: Entry[], key: Bytes, value: Bytes): void {
  const i = lowerBound(rows, key, false);
  const row = rows[i];
  if (row && cmp(row[0], key) === 0) row[1] = value;
  else rows.splice(i, 0, [key, value]);
}

function del(rows: Entry[], key: Bytes): void {
  const i = lowerBound(rows, key, false);
  const row = rows[i];
  if (row && cmp(row[0], key) === 0) rows.splice(i, 1);
}

class SharedBackend implements DomainBackend {
  constructor(
    private readonly domains: Map<string, Entry[]>,
    private readonly name: string,
    private readonly mutation: Mutation,
  ) {}

  private get rows(): Entry[] {
    let rows = this.domains.get(this.name);
    if (!rows) {
      rows = [];
      this.domains.set(this.name, rows);
    }
    return rows;
  }

  private out(b: Bytes): Bytes {
    return this.mutation === 'buffer-values' ? Buffer.from(b) : b;
  }

  async get(key: Bytes) {
    const i = lowerBound(this.rows, key, false);
    const row = this.rows[i];
    return row && cmp(row[0], key) === 0 ? this.out(row[1]) : undefined;
  }

  async getMany(keys: readonly Bytes[]) {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async *range(r: ByteRange): AsyncIterable<[Bytes, Bytes]> {
    for (const [k, v] of select(this.rows, r, this.mutation)) yield [k, this.out(v)];
  }

  async count(r: ByteRange) {
    const n = select(this.rows, { ...r, reverse: false }, this.mutation).length;
    return this.mutation === 'count-off-by-one' && n > 0 ? n + 1 : n;
  }

  async transact<T>(fn: (tx: Tx) => T): Promise<T> {
    // Settles in the next event-loop turn, as an engine's commit does (a loop of awaited writes must let timers run).
    await new Promise((resolve) => setImmediate(resolve));
    const base = this.rows;
    const work = this.mutation === 'non-atomic' ? base : base.map(([k, v]) => [k, v] as Entry);
    const tx: Tx = {
      get: (key) => {
        const row = work[lowerBound(work, key, false)];
        return row && cmp(row[0], key) === 0 ? row[1] : undefined;
      },
      range: (r) => select(work, r, this.mutation),
      put: (key, value) => put(work, Uint8Array.from(key), Uint8Array.from(value)),
      del: (key) => del(work, key),
    };
    const result = fn(tx);
    this.domains.set(this.name, work);
    return result;
  }

  async clear() {
    this.domains.set(this.name, []);
  }
}

const sharedMemoryOptionsSchema = z.strictObject({});

/** The shared memory adapter has no options of its own. */
type SharedMemoryOptions = z.infer<typeof sharedMemoryOptionsSchema>;

/** A persistent-looking, process-global memory adapter for testing the suite itself. */
export function sharedMemoryAdapter(name: string, mutation: Mutation = 'none'): Adapter<SharedMemoryOptions> {
  return {
    name,
    optionsSchema: sharedMemoryOptionsSchema,
    capabilities: { multiProcess: false, persistent: true },
    async open(ctx) {
      const worldKey = `${name}:${ctx.dataDir}`;
      let domains = worlds.get(worldKey);
      if (!domains || mutation === 'lose-on-reopen') {
        domains = new Map();
        worlds.set(worldKey, domains);
      }
      const d = domains;
      const instance: AdapterInstance<Record<string, never>> = {
        async domain(domain) {
          // The SPI's read-only contract: a domain without data does not exist, and is not made.
          if (ctx.readOnly && (d.get(domain)?.length ?? 0) === 0) throw new StoreError('NOT_FOUND', `no domain "${domain}"`);
          return new SharedBackend(d, domain, mutation);
        },
        async dropDomain(domain) {
          d.delete(domain);
        },
        async listDomains() {
          return [...d.keys()].filter((k) => (d.get(k)?.length ?? 0) > 0).sort();
        },
        async sync() {},
        async close() {},
      };
      return instance;
    },
  };
}
