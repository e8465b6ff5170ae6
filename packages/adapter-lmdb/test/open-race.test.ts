import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lmdbBuildInfo } from '../src/index.js';
// @ts-expect-error plain .mjs probe, shared with the manual comparison run (see its header)
import { runOpenRace } from './fixtures/open-race/run.mjs';

interface ProbeResult {
  acked: number;
  lost: number;
  reused: number;
  errors: string[];
  crashed: number;
  addons: string[];
  ms: number;
}

const MARKER = 'agentstore-lmdb-patch:txnid-reset-guard:v1';

describe('patched lmdb build', () => {
  it('loads the addon built from the patched sources, not the stock prebuilt one', () => {
    const info = lmdbBuildInfo();
    expect(info.addonPath).toMatch(/build[\\/]Release[\\/]lmdb\.node$/);
    expect(info.sourceBuilt).toBe(true);
    expect(info.patched).toBe(true);
  });
});

// Two writers commit read-then-write increments while two processes open and close the environment
// 40 times each. The stock binary loses acknowledged commits here (see the package README); the
// patched build must lose none. noSync writers commit fastest and so hit the race most often;
// noMetaSync is what the adapter's balanced mode uses.
describe('open race across processes', () => {
  for (const [name, writerFlags, rounds] of [
    ['noSync writers', { noSync: true }, 3],
    ['noMetaSync writers', { noMetaSync: true, overlappingSync: false }, 2],
  ] as const) {
    it(`loses no acknowledged commit (${name})`, async () => {
      const result = (await runOpenRace({ rounds, opens: 40, writerFlags })) as ProbeResult;
      expect(result.addons.length).toBeGreaterThan(0);
      for (const addon of result.addons) expect(readFileSync(addon).includes(MARKER)).toBe(true);
      expect(result.acked).toBeGreaterThan(0);
      expect(result.errors).toEqual([]);
      expect(result.crashed).toBe(0);
      expect(result.lost).toBe(0);
      expect(result.reused).toBe(0);
    }, 60_000);
  }
});
