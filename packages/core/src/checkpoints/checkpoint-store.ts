import { StoreError } from '../errors.js';
import type { OpenDomain } from '../runtime/backend-pool.js';
import { failedWith, settledWith } from '../runtime/settled.js';
import type { StoreContext } from '../runtime/store-context.js';
import { guard, toStoreError } from '../runtime/to-store-error.js';
import type { SyncReader, Tx } from '../spi/backend.js';
import type {
  BlobCheckpointStore,
  CheckpointBlob,
  CheckpointId,
  CheckpointInfo,
  Json,
  ListOptions,
  SaveInput,
  TraceId,
  TracesOptions,
} from '../types.js';
import { nextCheckpointId, randomIdPart } from './checkpoint-ids.js';
import {
  decodeHead,
  decodeInfo,
  decodeRecord,
  encodeHead,
  encodeInfo,
  encodeRecord,
  headKey,
  headRange,
  indexKey,
  indexRange,
  RECORD_RANGE,
  recordKey,
  traceOfHeadKey,
} from './checkpoint-layout.js';
import { assertCheckpointId, assertCount, assertTraceId, jsonEqual, jsonObjectText } from './validate-input.js';

// Removals run in transactions of at most this many checkpoints, so no transaction grows unbounded.
const REMOVE_BATCH = 512;
// `list`/`iterate` read the trace index in pages of this many entries.
const PAGE = 128;

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** The `checkpoints` handle (SPEC §4), built on a domain backend's ordered keys and transactions. */
export class CheckpointStore implements BlobCheckpointStore {
  readonly #ctx: StoreContext;
  readonly #domain: string;

  constructor(ctx: StoreContext, domain: string) {
    this.#ctx = ctx;
    this.#domain = domain;
  }

  save(traceId: TraceId, input: SaveInput): Promise<CheckpointInfo> {
    return guard(async () => {
      assertTraceId(traceId);
      if (input === null || typeof input !== 'object')
        throw new StoreError('INVALID_VALUE', 'save takes { data, metadata?, parentId?, expectLatest? }');
      const { data, parentId, expectLatest } = input;
      if (!isBytes(data)) throw new StoreError('INVALID_VALUE', 'checkpoint data must be a Uint8Array');
      const metadataJson = jsonObjectText(input.metadata ?? {}, 'checkpoint metadata');
      if (parentId !== undefined) assertCheckpointId(parentId, 'parentId');
      if (expectLatest !== undefined && expectLatest !== null) assertCheckpointId(expectLatest, 'expectLatest');
      const d = await this.#ctx.resolve(this.#domain);
      if (data.byteLength > d.options.maxValueBytes) {
        throw new StoreError(
          'VALUE_TOO_LARGE',
          `checkpoint data is ${data.byteLength} bytes; the domain allows ${d.options.maxValueBytes}`,
        );
      }
      // Clock and randomness are read outside the transaction: backends may run its function again,
      // and it must ask for the same keys each time.
      const now = Date.now();
      const random = randomIdPart();
      return this.#write(d, (tx) => {
        const head = decodeHead(tx.get(headKey(traceId)));
        if (expectLatest !== undefined && head.latest !== expectLatest) {
          throw new StoreError('CONFLICT', `trace "${traceId}" latest is ${head.latest ?? 'none'}, expected ${expectLatest ?? 'none'}`);
        }
        let id = nextCheckpointId(now, head.maxId, random);
        // Two traces saving in the same millisecond with the same random tail would meet: step past.
        while (tx.get(recordKey(id)) !== undefined) id = nextCheckpointId(now, id, random);
        const parent = parentId ?? head.latest ?? undefined;
        const info: CheckpointInfo = {
          id,
          traceId,
          seq: head.seq + 1,
          createdAt: now,
          metadata: {},
          size: data.byteLength,
          ...(parent === undefined ? {} : { parentId: parent }),
        };
        const infoBytes = encodeInfo(info, metadataJson);
        tx.put(indexKey(traceId, id), infoBytes);
        tx.put(recordKey(id), encodeRecord(infoBytes, data));
        tx.put(headKey(traceId), encodeHead({ seq: info.seq, latest: id, maxId: id, count: head.count + 1 }));
        return { ...info, metadata: JSON.parse(metadataJson) as Record<string, Json> };
      });
    });
  }

  load(id: CheckpointId): Promise<CheckpointBlob | undefined> {
    try {
      assertCheckpointId(id);
      const d = this.#ready();
      if (d?.backend.pointReadsSync) return settledWith(blobOf(d.backend.getSync(recordKey(id))));
    } catch (err) {
      return failedWith(toStoreError(err));
    }
    return guard(async () => {
      const d = await this.#readable();
      return this.#loadRecord(d, id);
    });
  }

  loadLatest(traceId: TraceId): Promise<CheckpointBlob | undefined> {
    try {
      assertTraceId(traceId);
      const d = this.#ready();
      // The head and the record it names on one snapshot, in one synchronous call.
      if (d?.backend.readsSync) return settledWith(d.backend.readSync((reader) => latestIn(reader, traceId)));
    } catch (err) {
      return failedWith(toStoreError(err));
    }
    return guard(async () => {
      const d = await this.#readable();
      const head = decodeHead(await d.backend.get(headKey(traceId)));
      return head.latest === null ? undefined : this.#loadRecord(d, head.latest);
    });
  }

  list(traceId: TraceId, opts: ListOptions = {}): Promise<CheckpointInfo[]> {
    try {
      const plan = listPlan(traceId, opts);
      const d = this.#ready();
      // Every page on one snapshot, in one synchronous call: no iterator below the promise.
      if (d?.backend.readsSync) return settledWith(d.backend.readSync((reader) => listIn(reader, traceId, plan)));
    } catch (err) {
      return failedWith(toStoreError(err));
    }
    return guard(async () => {
      const out: CheckpointInfo[] = [];
      for await (const info of this.iterate(traceId, opts)) out.push(info);
      return out;
    });
  }

  async *iterate(traceId: TraceId, opts: ListOptions = {}): AsyncIterable<CheckpointInfo> {
    const plan = await guard(async () => {
      const plan = listPlan(traceId, opts);
      const d = await this.#readable();
      if (plan.before !== undefined) {
        // `before` must name a checkpoint of this trace; another trace's id lists nothing.
        const inTrace = (await d.backend.get(indexKey(traceId, plan.before))) !== undefined;
        if (!inTrace && (await d.backend.get(recordKey(plan.before))) !== undefined) return undefined;
      }
      return { d, ...plan, range: indexRange(traceId, plan.before) };
    });
    if (!plan || plan.limit === 0) return;
    const { d, wanted } = plan;
    let remaining = plan.limit;
    let upper = plan.range.lt;
    // Page through the index newest first; without a filter each page is exactly what is still wanted.
    for (;;) {
      const pageSize = wanted ? PAGE : Math.min(PAGE, remaining);
      const window = { gte: plan.range.gte, lt: upper, reverse: true, limit: pageSize };
      let page: Array<[Uint8Array, Uint8Array]> = [];
      try {
        if (d.backend.readsSync) page = d.backend.readSync((reader) => reader.range(window));
        else for await (const entry of d.backend.range(window)) page.push(entry);
      } catch (err) {
        throw toStoreError(err);
      }
      for (const [, value] of page) {
        const info = guardSync(() => decodeInfo(value));
        if (wanted && !matches(info, wanted)) continue;
        yield info;
        if (--remaining === 0) return;
      }
      if (page.length < pageSize) return;
      upper = (page[page.length - 1] as [Uint8Array, Uint8Array])[0];
    }
  }

  delete(id: CheckpointId): Promise<boolean> {
    return guard(async () => {
      assertCheckpointId(id);
      const d = await this.#ctx.resolve(this.#domain);
      return this.#write(d, (tx) => {
        const record = tx.get(recordKey(id));
        if (record === undefined) return false;
        const { traceId } = decodeRecord(record).info;
        tx.del(recordKey(id));
        tx.del(indexKey(traceId, id));
        const head = decodeHead(tx.get(headKey(traceId)));
        const latest = head.latest === id ? newestBefore(tx, traceId, id) : head.latest;
        tx.put(headKey(traceId), encodeHead({ ...head, latest, count: Math.max(0, head.count - 1) }));
        return true;
      });
    });
  }

  prune(traceId: TraceId, keep: number): Promise<number> {
    return guard(async () => {
      assertTraceId(traceId);
      assertCount(keep, 'keep');
      const d = await this.#ctx.resolve(this.#domain);
      return this.#removeOldest(d, traceId, keep);
    });
  }

  deleteTrace(traceId: TraceId): Promise<number> {
    return guard(async () => {
      assertTraceId(traceId);
      const d = await this.#ctx.resolve(this.#domain);
      const removed = await this.#removeOldest(d, traceId, 0);
      // Only once the index is empty does the head go, so seq restarts at 1 for a new trace.
      await this.#write(d, (tx) => {
        if (tx.range({ ...indexRange(traceId), limit: 1 }).length === 0) tx.del(headKey(traceId));
      });
      return removed;
    });
  }

  traces(opts: TracesOptions = {}): Promise<TraceId[]> {
    return guard(async () => {
      const { prefix = '', limit, after } = opts ?? {};
      if (typeof prefix !== 'string') throw new StoreError('INVALID_VALUE', 'prefix must be a string');
      if (after !== undefined) assertTraceId(after);
      if (limit !== undefined) assertCount(limit, 'limit');
      const d = await this.#readable();
      const out: TraceId[] = [];
      if (limit === 0) return out;
      for await (const [key, value] of d.backend.range(headRange(prefix, after))) {
        if (decodeHead(value).count === 0) continue; // every checkpoint deleted, seq kept until deleteTrace
        out.push(traceOfHeadKey(key));
        if (out.length === limit) break;
      }
      return out;
    });
  }

  count(traceId?: TraceId): Promise<number> {
    return guard(async () => {
      if (traceId !== undefined) assertTraceId(traceId);
      const d = await this.#readable();
      // A trace's head keeps its count, so one key answers; the domain's total is the backend's own
      // range count over the record key space (lellm_graph's `len`), never a decode of each record.
      if (traceId !== undefined) return decodeHead(await d.backend.get(headKey(traceId))).count;
      return d.backend.count(RECORD_RANGE);
    });
  }

  async #removeOldest(d: OpenDomain, traceId: string, keep: number): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await this.#write(d, (tx) => {
        const head = decodeHead(tx.get(headKey(traceId)));
        if (head.count <= keep) return 0;
        const victims = tx.range({ ...indexRange(traceId), limit: Math.min(head.count - keep, REMOVE_BATCH) });
        for (const [key, value] of victims) {
          tx.del(key);
          tx.del(recordKey(decodeInfo(value).id));
        }
        const count = head.count - victims.length;
        tx.put(headKey(traceId), encodeHead({ ...head, count, latest: count === 0 ? null : head.latest }));
        return victims.length;
      });
      total += removed;
      if (removed < REMOVE_BATCH) return total;
    }
  }

  async #loadRecord(d: OpenDomain, id: string): Promise<CheckpointBlob | undefined> {
    return blobOf(await d.backend.get(recordKey(id)));
  }

  /** The domain when it is open and known to hold checkpoints: a read then needs no await before it. */
  #ready(): OpenDomain | undefined {
    const d = this.#ctx.resolve(this.#domain);
    return d instanceof Promise || !this.#ctx.kinds.isKnown(d.backend, 'checkpoints') ? undefined : d;
  }

  #readable(): Promise<OpenDomain> {
    return this.#ctx.readable(this.#domain, 'checkpoints');
  }

  #write<T>(d: OpenDomain, fn: (tx: Tx) => T): Promise<T> {
    return this.#ctx.write(d, 'checkpoints', fn);
  }
}

/** The newest checkpoint of `traceId` older than `id`, or null. */
function newestBefore(tx: Tx, traceId: string, id: string): string | null {
  const [entry] = tx.range({ ...indexRange(traceId, id), reverse: true, limit: 1 });
  return entry ? decodeInfo(entry[1]).id : null;
}

/** What `list` and `iterate` were asked for, checked before anything is read. */
interface ListPlan {
  readonly limit: number;
  readonly before: string | undefined;
  readonly wanted: Record<string, Json> | undefined;
}

function listPlan(traceId: TraceId, opts: ListOptions): ListPlan {
  assertTraceId(traceId);
  const { limit, before, filter } = opts ?? {};
  if (limit !== undefined) assertCount(limit, 'limit');
  if (before !== undefined) assertCheckpointId(before, 'before');
  const wanted = filter === undefined ? undefined : (JSON.parse(jsonObjectText(filter, 'filter')) as Record<string, Json>);
  return { limit: limit ?? Number.POSITIVE_INFINITY, before, wanted };
}

function matches(info: CheckpointInfo, wanted: Record<string, Json>): boolean {
  return Object.entries(wanted).every(([k, v]) => jsonEqual(info.metadata[k], v));
}

/** A stored record as the blob `load` returns, or undefined. */
function blobOf(bytes: Uint8Array | undefined): CheckpointBlob | undefined {
  if (bytes === undefined) return undefined;
  const { info, data } = decodeRecord(bytes);
  return { ...info, data };
}

/** `loadLatest` on one snapshot: the trace's head, then the record it names. */
function latestIn(reader: SyncReader, traceId: string): CheckpointBlob | undefined {
  const head = decodeHead(reader.get(headKey(traceId)));
  return head.latest === null ? undefined : blobOf(reader.get(recordKey(head.latest)));
}

/** `list` on one snapshot: the index of the trace newest first, in pages, filtered, up to the limit. */
function listIn(reader: SyncReader, traceId: string, plan: ListPlan): CheckpointInfo[] {
  const out: CheckpointInfo[] = [];
  if (plan.limit === 0) return out;
  if (plan.before !== undefined) {
    const inTrace = reader.get(indexKey(traceId, plan.before)) !== undefined;
    if (!inTrace && reader.get(recordKey(plan.before)) !== undefined) return out;
  }
  const range = indexRange(traceId, plan.before);
  let upper = range.lt;
  for (;;) {
    const pageSize = plan.wanted ? PAGE : Math.min(PAGE, plan.limit - out.length);
    const page = reader.range({ gte: range.gte, lt: upper, reverse: true, limit: pageSize });
    for (const [, value] of page) {
      const info = decodeInfo(value);
      if (plan.wanted && !matches(info, plan.wanted)) continue;
      out.push(info);
      if (out.length === plan.limit) return out;
    }
    if (page.length < pageSize) return out;
    upper = (page[page.length - 1] as [Uint8Array, Uint8Array])[0];
  }
}

function guardSync<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toStoreError(err);
  }
}
