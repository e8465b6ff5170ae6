import type { ArtifactLease, ArtifactStore, ArtifactTier } from '@agentstore/core';
import { describe, expect, it } from 'vitest';
import { expectCode, type Harness } from '../harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const BUDGET = 10 * MiB;
const BLOBS = 1000;

/** mulberry32: a small seeded PRNG, so a failure names the seed that reproduces it. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Bytes of `size` whose content depends on `version` (only the ends and a middle word are checked). */
function content(size: number, version: number): Uint8Array {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  if (size >= 4) {
    v.setUint32(0, version);
    v.setUint32(size - 4, version ^ 0xa5a5a5a5);
    v.setUint32((size >> 1) & ~3, version * 31);
  }
  return b;
}

function sameContent(got: Uint8Array | undefined, size: number, version: number): boolean {
  if (got === undefined || got.byteLength !== size) return false;
  const want = content(size, version);
  if (size < 4) return true;
  const g = new DataView(got.buffer, got.byteOffset, got.byteLength);
  const w = new DataView(want.buffer);
  return [0, size - 4, (size >> 1) & ~3].every((at) => g.getUint32(at) === w.getUint32(at));
}

interface Blob {
  size: number;
  version: number;
  tier: ArtifactTier;
}

/** The reference model: blobs by key and the LRU order (least recently used first). */
class Model {
  readonly blobs = new Map<string, Blob>();
  order: string[] = [];
  readonly leases = new Map<string, ArtifactLease[]>();

  used(): number {
    let n = 0;
    for (const b of this.blobs.values()) n += b.size;
    return n;
  }

  use(key: string): void {
    this.order = this.order.filter((k) => k !== key);
    this.order.push(key);
  }

  remove(key: string): void {
    this.blobs.delete(key);
    this.order = this.order.filter((k) => k !== key);
    this.leases.delete(key);
  }

  /** Victims for `need` bytes (oldest unleased first, skipping `except`), or undefined when leases leave too little. */
  victims(need: number, except?: string, tiers?: readonly ArtifactTier[]): string[] | undefined {
    const out: string[] = [];
    let freed = 0;
    for (const key of this.order) {
      if (freed >= need) break;
      if (key === except || (this.leases.get(key)?.length ?? 0) > 0) continue;
      if (tiers && !tiers.includes((this.blobs.get(key) as Blob).tier)) continue;
      out.push(key);
      freed += (this.blobs.get(key) as Blob).size;
    }
    return freed >= need ? out : undefined;
  }
}

/** A size from 1 KiB to 1 MiB, spread evenly on a log scale (many small blobs, some large). */
const sizeOf = (r: () => number): number => Math.round(KiB * 2 ** (r() * 10));

async function check(a: ArtifactStore, m: Model, step: string): Promise<void> {
  const usage = await a.usage();
  expect(usage.usedBytes, `${step}: accounting`).toBe(m.used());
  expect(usage.usedBytes, `${step}: budget`).toBeLessThanOrEqual(BUDGET);
  expect(usage.count, `${step}: count`).toBe(m.blobs.size);
  expect(await a.lru(), `${step}: LRU order`).toEqual(m.order);
}

/**
 * SPEC §5 Artifacts, randomized: 1,000 blobs of 1 KiB–1 MiB against a 10 MiB budget, with gets,
 * deletes, leases and evictBytes mixed in; the budget and the exact LRU order are compared with a
 * model after every step.
 */
export function artifactsLruSpec(h: Harness): void {
  describe('artifacts: randomized budget and LRU model', () => {
    it(`${BLOBS} blobs of 1 KiB–1 MiB under a 10 MiB budget keep the budget and strict LRU order after every step`, {
      timeout: 600_000,
    }, async () => {
      const seed = Number(process.env.AGENTSTORE_ARTIFACTS_SEED ?? 0x5eed);
      const r = rng(seed);
      const a = (await h.open()).artifacts('lru', { budgetBytes: BUDGET, leaseTtlMs: 3_600_000 });
      const m = new Model();
      let version = 0;
      let puts = 0;
      let step = 0;
      const pick = (): string | undefined => m.order[Math.floor(r() * m.order.length)];
      while (puts < BLOBS) {
        step++;
        const roll = r();
        const where = `seed ${seed} step ${step}`;
        if (roll < 0.5) {
          // put: a new key, or (1 in 5) a key that exists
          const existing = r() < 0.2 ? pick() : undefined;
          const key = existing ?? `b${puts}`;
          const size = sizeOf(r);
          const tier: ArtifactTier = r() < 0.3 ? 'ram' : 'disk';
          version++;
          puts++;
          const replaced = m.blobs.get(key);
          const need = m.used() - (replaced?.size ?? 0) + size - BUDGET;
          const victims = need > 0 ? m.victims(need, key) : [];
          if (victims === undefined) {
            await expectCode(a.put(key, content(size, version), { tier }), 'BUSY');
          } else {
            await a.put(key, content(size, version), { tier });
            for (const v of victims) m.remove(v);
            if (replaced) m.leases.delete(key);
            m.blobs.set(key, { size, version, tier });
            m.use(key);
          }
        } else if (roll < 0.7) {
          const key = r() < 0.9 ? pick() : 'missing';
          if (key === undefined) continue;
          const got = await a.get(key);
          const b = m.blobs.get(key);
          if (b === undefined) expect(got, where).toBeUndefined();
          else {
            expect(sameContent(got, b.size, b.version), `${where}: content of ${key}`).toBe(true);
            m.use(key);
          }
        } else if (roll < 0.75) {
          const key = pick();
          if (key === undefined) continue;
          expect(await a.has(key)).toBe(true);
          expect((await a.stat(key))?.size).toBe(m.blobs.get(key)?.size);
        } else if (roll < 0.82) {
          const key = pick();
          if (key === undefined) continue;
          expect(await a.delete(key), where).toBe(true);
          m.remove(key);
        } else if (roll < 0.9) {
          // checkout, keeping a few leases alive; release the oldest beyond that
          const key = pick();
          if (key === undefined) continue;
          const lease = await a.checkout(key);
          expect(lease, where).toBeDefined();
          m.leases.set(key, [...(m.leases.get(key) ?? []), lease as ArtifactLease]);
          const held = [...m.leases.entries()].flatMap(([k, ls]) => ls.map((l) => [k, l] as const));
          if (held.length > 4) {
            const [k, l] = held[0] as readonly [string, ArtifactLease];
            expect(await l.release(), where).toBe(true);
            const rest = (m.leases.get(k) ?? []).filter((x) => x !== l);
            if (rest.length === 0) m.leases.delete(k);
            else m.leases.set(k, rest);
          }
        } else if (roll < 0.95) {
          const target = Math.floor(r() * 2 * MiB);
          const tiers: ArtifactTier[] | undefined = r() < 0.5 ? undefined : [r() < 0.5 ? 'ram' : 'disk'];
          // evictBytes takes what it can: the model's victims for the target, or every unleased blob
          let victims = m.victims(target, undefined, tiers);
          if (victims === undefined)
            victims = m.order.filter(
              (k) => (m.leases.get(k)?.length ?? 0) === 0 && (!tiers || tiers.includes((m.blobs.get(k) as Blob).tier)),
            );
          const freedBytes = victims.reduce((n, k) => n + (m.blobs.get(k) as Blob).size, 0);
          const result = await a.evictBytes(target, tiers ? { tiers } : undefined);
          expect(result, `${where}: evictBytes(${target})`).toEqual({ evicted: victims.length, freedBytes });
          for (const v of victims) m.remove(v);
        } else {
          expect(await a.get('never-stored')).toBeUndefined();
        }
        await check(a, m, where);
      }
      const audit = await a.audit();
      expect(audit.orphanBlobs).toBe(0);
      expect(audit.chunkBytes).toBe(audit.usedBytes);
    });
  });
}
