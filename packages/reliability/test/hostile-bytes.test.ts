/**
 * Issue 4, items 5 and 6 (decode side): hostile bytes written straight into each persistent backend
 * (`hostile/hostile-bytes.ts`) are read back through the store in a child started with `--expose-gc`.
 * Every read fails with its expected `DECODE` or returns plain data; `Object.prototype` is unchanged;
 * nothing overflows the stack (a `RangeError` would show as the outcome); the batch keeps less than
 * 50 MB of heap and array buffers — 2 GiB length headers and 2^31-element counts are refused before
 * anything is allocated. The memory adapter is left out: its data lives in its store instance, so
 * there is no backend behind the store's back to write into.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persistentAdapters } from './harness/adapters.js';
import { killAllChildren, spawnChild } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import type { Message } from './harness/protocol.js';
import { TempDirs } from './harness/temp-dirs.js';
import { HOSTILE_BYTES } from './hostile/hostile-bytes.js';

const MAX_GROWTH_BYTES = 50 * 1024 * 1024;

interface Report extends Message {
  readonly results: Array<{ name: string; outcome: string; addedBytes: number; detail?: string }>;
  readonly growthBytes: number;
  readonly peakBytes: number;
  readonly polluted: boolean;
  readonly prototypeChanged: boolean;
  readonly gc: boolean;
}

const dirs = new TempDirs();
afterAll(async () => {
  await killAllChildren();
  dirs.removeAll();
});

describe.each(persistentAdapters.map((a) => [a.name, a] as const))('hostile stored bytes: %s', (name, adapter) => {
  let report: Report;
  beforeAll(async () => {
    const child = spawnChild(
      `hostile-bytes-${name}`,
      'hostile-bytes-reader.ts',
      { target: adapter.target(dirs.make('hostile-bytes')) },
      {},
      ['--expose-gc'],
    );
    report = await child.take<Report>('report', 150_000);
    await child.waitExit();
    if (process.env.AGENTSTORE_REL_DEBUG) {
      for (const r of [...report.results].sort((a, b) => b.addedBytes - a.addedBytes).slice(0, 5))
        console.log(`${r.name}: ${r.addedBytes}`);
    }
    const unexpected = report.results.filter((r, i) => r.outcome !== HOSTILE_BYTES[i]?.expect).length;
    console.log(
      `[reliability] hostile stored bytes ${name}: ${report.results.length} payloads, ` +
        `${report.results.filter((r) => r.outcome === 'DECODE').length} DECODE, ${report.results.filter((r) => r.outcome === 'plain').length} plain, ` +
        `${unexpected} unexpected; Object.prototype ${report.prototypeChanged || report.polluted ? 'CHANGED' : 'unchanged'}; ` +
        `memory kept ${(report.growthBytes / 1024 / 1024).toFixed(2)} MB, most added by one read ${(report.peakBytes / 1024 / 1024).toFixed(2)} MB ` +
        `(gc ${report.gc ? 'on' : 'off'})`,
    );
    recordFigures(`hostile stored bytes ${name}`, {
      payloads: report.results.length,
      unexpected,
      'memory kept (MB)': Number((report.growthBytes / 1024 / 1024).toFixed(2)),
    });
  }, 180_000);

  it.each(HOSTILE_BYTES.map((p, row) => [`${p.target}: ${p.name} → ${p.expect}`, row] as const))('%s', (_label, row) => {
    const result = report.results[row];
    expect(result?.name).toBe(HOSTILE_BYTES[row]?.name);
    // The detail (the error message, or why a value is not plain) shows in the failure.
    expect({ outcome: result?.outcome, ...(result?.outcome === HOSTILE_BYTES[row]?.expect ? {} : { detail: result?.detail }) }).toEqual({
      outcome: HOSTILE_BYTES[row]?.expect,
    });
  });

  it('Object.prototype unchanged; the batch kept, and no single read allocated, 50 MB or more (heap + array buffers)', () => {
    expect(report.polluted).toBe(false);
    expect(report.prototypeChanged).toBe(false);
    expect(report.gc).toBe(true);
    expect(report.growthBytes).toBeLessThan(MAX_GROWTH_BYTES);
    expect(report.peakBytes).toBeLessThan(MAX_GROWTH_BYTES);
  });
});
