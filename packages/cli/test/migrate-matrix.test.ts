import { afterAll, describe, expect, it } from 'vitest';
import { ADAPTERS, type AdapterName, codeOf, fillKv, openStore, tempDir } from './support/stores.js';

/**
 * Every ordered pair of adapters, in-process through `store.migrateDomain`, with 100,000 records each
 * (issue 9). AGENTSTORE_MIGRATE_RECORDS lowers it for a quick local run; the representative pairs then
 * still run at 100,000.
 */
const BIG_RECORDS = 100_000;
const MATRIX_RECORDS = Number(process.env.AGENTSTORE_MIGRATE_RECORDS ?? BIG_RECORDS);
const BIG_PAIRS: Array<[AdapterName, AdapterName]> = [
  ['sqlite', 'lmdb'],
  ['lmdb', 'level'],
  ['level', 'sqlite'],
  ['memory', 'lmdb'],
];

const timings: string[] = [];
afterAll(() => {
  console.log(`migrateDomain timings:\n${timings.join('\n')}`);
});

async function migratePair(from: AdapterName, to: AdapterName, records: number): Promise<void> {
  const tmp = await tempDir();
  try {
    const store = await openStore(tmp.dir, { runs: { adapter: from }, cps: { adapter: from } });
    await fillKv(store, 'runs', records);
    await store.kv('runs').updateCounter('tokens', records);
    const cp = store.checkpoints('cps');
    for (let i = 0; i < 60; i++) await cp.save(`trace-${i % 3}`, { data: new Uint8Array(256).fill(i), metadata: { i } });
    const before = await cp.list('trace-1');
    const report = await store.migrateDomain('runs', { adapter: to });
    const cpReport = await store.migrateDomain('cps', { adapter: to });
    timings.push(
      `  ${from} → ${to}: ${records} records in ${report.ms} ms (${report.bytes} bytes); checkpoints ${cpReport.records} entries in ${cpReport.ms} ms`,
    );
    expect(report.records).toBe(records + 2); // + the counter and the kind record
    expect(store.adapterOf('runs')).toBe(to);
    const kv = store.kv<{ i: number; big: bigint; at: Date }>('runs');
    expect(await kv.count()).toBe(records + 1);
    expect(await kv.get(['r', records - 1])).toEqual({
      i: records - 1,
      big: BigInt(records - 1) * 1_000_000_007n,
      at: new Date(records - 1),
      tag: `v${(records - 1) % 97}`,
    });
    expect(await kv.get('tokens')).toBe(records);
    expect(await cp.list('trace-1')).toEqual(before);
    expect((await cp.save('trace-1', { data: Uint8Array.of(1) })).seq).toBe(21);
    // Through the old route: MOVED, naming the new adapter.
    await store.configureDomain('runs', { adapter: from });
    expect(await codeOf(kv.get('tokens'))).toBe('MOVED');
    await store.resetDomain('runs');
    await store.close();
  } finally {
    await tmp.remove();
  }
}

describe('migrateDomain between every pair of adapters', () => {
  for (const from of ADAPTERS) {
    for (const to of ADAPTERS) {
      if (from === to) continue;
      it(`${from} → ${to} (${MATRIX_RECORDS} kv records, a checkpoints domain)`, () => migratePair(from, to, MATRIX_RECORDS), 300_000);
    }
  }
  if (MATRIX_RECORDS !== BIG_RECORDS) {
    for (const [from, to] of BIG_PAIRS) {
      it(`${from} → ${to} with ${BIG_RECORDS} kv records`, () => migratePair(from, to, BIG_RECORDS), 300_000);
    }
  }
});
