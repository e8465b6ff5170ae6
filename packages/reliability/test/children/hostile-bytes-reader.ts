/**
 * Writes every row of `hostile/hostile-bytes.ts` straight into the backend (through the adapter's SPI,
 * behind the store's back, after a normal write recorded each domain's kind), reads each back through
 * the store, and reports what each read did, whether `Object.prototype` changed, how much memory the
 * batch kept (heap + array buffers, after `global.gc()`: start this child with `--expose-gc`), and
 * the most any single read added before a collection (what it allocated, kept or not).
 */
import { jsonCodec } from '@agentstore/core';
import { commonOptionsSchema, type DomainBackend, encodeKey } from '@agentstore/core/spi';
import { childParams, codeOf, runChild, send } from '../harness/child-runtime.js';
import { loadAdapter, openStore, type StoreTarget } from '../harness/stores.js';
import { HOSTILE_BYTES, hostileId, type StoredPayload } from '../hostile/hostile-bytes.js';

interface Params {
  readonly target: StoreTarget;
}

const DOMAINS = { kv: 'hostile_kv', json: 'hostile_json', cp: 'hostile_cp' } as const;

/** Own property names of Object.prototype and its prototype chain's well-known bits, as text. */
const prototypeFingerprint = (): string =>
  JSON.stringify([Object.getOwnPropertyNames(Object.prototype).sort(), Object.getPrototypeOf(Object.prototype), Object.isExtensible({})]);

const PLAIN_PROTOTYPES = new Set<unknown>([
  Object.prototype,
  null,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  Uint8Array.prototype,
]);

/** Why `value` is not plain data, or undefined when it is (walked iteratively: it may be deep). */
function notPlain(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  let seen = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++seen > 1_000_000) return 'more than 1,000,000 nodes';
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'function' || typeof v === 'symbol') return `a ${typeof v}`;
      continue;
    }
    const proto = Object.getPrototypeOf(v);
    if (!PLAIN_PROTOTYPES.has(proto) && !(ArrayBuffer.isView(v) && Object.getPrototypeOf(proto) !== Object.prototype)) {
      return `an object whose prototype is ${String(proto?.constructor?.name)}`;
    }
    for (const key of Reflect.ownKeys(v)) {
      const desc = Object.getOwnPropertyDescriptor(v, key);
      if (desc && (desc.get !== undefined || desc.set !== undefined)) return `an accessor property ${String(key)}`;
      if (desc && !ArrayBuffer.isView(v)) stack.push(desc.value);
    }
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    if (v instanceof Set) for (const x of v) stack.push(x);
  }
  return undefined;
}

function memory(collect = true): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    gc?.();
    gc?.();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const VALUE_ENVELOPE = 0x00;
const utf8 = (text: string): number[] => [...Buffer.from(text, 'utf8')];

/** The backend key a row is written under, and the read that must face it. */
function place(row: number, p: StoredPayload): { domain: string; key: Uint8Array; value: Uint8Array } {
  const raw = p.bytes();
  const id = hostileId(row);
  switch (p.target) {
    case 'kv':
      return { domain: DOMAINS.kv, key: encodeKey(['bad', row]), value: Uint8Array.from([VALUE_ENVELOPE, ...raw]) };
    case 'kv-raw':
      return { domain: DOMAINS.kv, key: encodeKey(['bad', row]), value: raw };
    case 'json':
      return { domain: DOMAINS.json, key: encodeKey(['bad', row]), value: Uint8Array.from([VALUE_ENVELOPE, ...raw]) };
    case 'cp-record':
      return { domain: DOMAINS.cp, key: Uint8Array.from([0x04, ...utf8(id)]), value: raw };
    case 'cp-head':
      return { domain: DOMAINS.cp, key: Uint8Array.from([0x02, ...utf8(id)]), value: raw };
    case 'cp-index':
      return { domain: DOMAINS.cp, key: Uint8Array.from([0x03, ...utf8(id), 0x00, ...utf8(id)]), value: raw };
  }
}

runChild(async () => {
  const { target } = childParams<Params>();
  const adapter = await loadAdapter(target.source);
  const store = await openStore(target);
  const kv = store.kv<unknown>(DOMAINS.kv);
  const json = store.kv<unknown>(DOMAINS.json, { codec: jsonCodec });
  const checkpoints = store.checkpoints(DOMAINS.cp);
  // Normal writes record each domain's kind, as a real domain would have it.
  await kv.put('seed', { ok: true });
  await json.put('seed', { ok: true });
  await checkpoints.save('seed', { data: Uint8Array.of(1), metadata: { ok: true } });

  // The same domains opened behind the store's back, through the adapter's SPI.
  const spi = await adapter.open({ dataDir: target.dataDir });
  const options = { ...commonOptionsSchema.parse({}), ...(adapter.optionsSchema.parse({}) as object) };
  const backends = new Map<string, DomainBackend>();
  for (const domain of Object.values(DOMAINS)) backends.set(domain, await spi.domain(domain, options));

  const prototypeBefore = prototypeFingerprint();
  const before = memory();
  const results: Array<{ name: string; outcome: string; addedBytes: number; detail?: string }> = [];
  let peakBytes = 0;
  for (const [row, payload] of HOSTILE_BYTES.entries()) {
    const { domain, key, value } = place(row, payload);
    await backends.get(domain)?.transact((tx) => tx.put(key, value));
    const id = hostileId(row);
    const baseline = memory();
    let outcome: string;
    let detail: string | undefined;
    try {
      let read: unknown;
      let proto: unknown;
      if (payload.target === 'kv' || payload.target === 'kv-raw') read = proto = await kv.get(['bad', row]);
      else if (payload.target === 'json') read = proto = await json.get(['bad', row]);
      else if (payload.target === 'cp-record') {
        const blob = await checkpoints.load(id);
        read = blob;
        proto = blob?.metadata;
      } else if (payload.target === 'cp-head') read = await checkpoints.loadLatest(id);
      else {
        const listed = await checkpoints.list(id);
        read = listed;
        proto = listed[0]?.metadata;
      }
      detail = notPlain(read);
      if (read === undefined) detail = 'read returned undefined';
      if (detail === undefined && payload.ownProto) {
        const p = proto as object | undefined;
        if (p === undefined || !Object.hasOwn(p, '__proto__') || Object.getPrototypeOf(p) !== Object.prototype) {
          detail = '"__proto__" is not an own key of a plain object';
        }
      }
      outcome = detail === undefined ? 'plain' : 'not plain';
    } catch (error) {
      outcome = codeOf(error) ?? `threw ${(error as Error)?.name}`;
      detail = String((error as Error)?.message).slice(0, 300);
    }
    // Measured before any collection: an allocation the read made and dropped still shows here.
    const addedBytes = memory(false) - baseline;
    peakBytes = Math.max(peakBytes, addedBytes);
    results.push({ name: payload.name, outcome, addedBytes, ...(detail === undefined ? {} : { detail }) });
  }
  const growthBytes = memory() - before;
  const polluted = ({} as Record<string, unknown>).polluted !== undefined || ({} as Record<string, unknown>).isAdmin !== undefined;
  const prototypeChanged = prototypeFingerprint() !== prototypeBefore;

  await spi.close();
  await store.close();
  send({
    t: 'report',
    results,
    growthBytes,
    peakBytes,
    polluted,
    prototypeChanged,
    gc: typeof (globalThis as { gc?: unknown }).gc === 'function',
  });
});
