/**
 * Issue 7: 4 processes × 5,000 appends to one journal stream give seqs exactly 1..20,000, each
 * handed out once, and the stream reads back gap-free with every value where its append said.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAllChildren, release, spawnChild, takeAll } from './harness/child.js';
import { recordFigures } from './harness/figures.js';
import type { Message } from './harness/protocol.js';
import { TempDirs } from './harness/temp-dirs.js';
import { multiProcessAdapters } from './kinds/adapters.js';
import { type KindsTarget, withTarget } from './kinds/open.js';

const PROCESSES = 4;
const APPENDS = Number(process.env.AGENTSTORE_JOURNAL_APPENDS ?? 5_000);
const LANES = 4; // appends in flight per process, so group commit is exercised too
const STREAM = 'run-events';

const dirs = new TempDirs();
afterEach(async () => {
  await killAllChildren();
  dirs.removeAll();
});

describe.each(multiProcessAdapters.map((a) => [a.name, a] as const))('journal seq across processes: %s', (_name, adapter) => {
  it(`${PROCESSES} × ${APPENDS} appends to one stream: seq exactly 1..${PROCESSES * APPENDS}`, { timeout: 300_000 }, async () => {
    const target: KindsTarget = { dataDir: dirs.make('journal-seq'), adapter: adapter.name };
    const started = performance.now();
    const children = Array.from({ length: PROCESSES }, (_, writer) =>
      spawnChild(`appender-${writer}`, '../kinds/journal-appender.ts', { target, stream: STREAM, writer, count: APPENDS, lanes: LANES }),
    );
    await takeAll(children, 'ready', 60_000);
    const released = performance.now();
    release(children);
    const reports = await takeAll<Message & { seqs: number[] }>(children, 'seqs', 280_000);
    const appendMs = performance.now() - released;
    for (const child of children) expect(await child.waitExit()).toEqual({ code: 0, signal: null });

    const total = PROCESSES * APPENDS;
    const owner = new Map<number, { w: number; i: number }>();
    let repeated = 0;
    reports.forEach((report, w) => {
      expect(report.seqs).toHaveLength(APPENDS);
      report.seqs.forEach((seq, i) => {
        if (owner.has(seq)) repeated++;
        owner.set(seq, { w, i });
      });
    });
    expect(repeated).toBe(0);
    expect(Math.min(...owner.keys())).toBe(1);
    expect(Math.max(...owner.keys())).toBe(total);
    expect(owner.size).toBe(total);

    const { entries, lastSeq } = await withTarget(target, async (store) => {
      const journal = store.journal<{ w: number; i: number }>('events');
      return { entries: await journal.read(STREAM), lastSeq: await journal.lastSeq(STREAM) };
    });
    expect(lastSeq).toBe(total);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const misplaced = entries.filter((e) => {
      const ack = owner.get(e.seq);
      return ack === undefined || ack.w !== e.value.w || ack.i !== e.value.i;
    });
    expect(misplaced).toEqual([]);
    const backwards = entries.filter((e, i) => i > 0 && e.txTime < (entries[i - 1]?.txTime ?? 0));
    expect(backwards).toEqual([]);
    console.log(
      `[reliability] journal seq ${adapter.name}: ${PROCESSES} processes × ${APPENDS} appends → seq 1..${lastSeq}, ` +
        `${repeated} repeated, ${misplaced.length} misplaced, ${backwards.length} txTime steps back; ` +
        `appends ${Math.round(appendMs)} ms (${Math.round(total / (appendMs / 1000))}/s), total ${Math.round(performance.now() - started)} ms`,
    );
    recordFigures(`journal seq ${adapter.name}`, { appends: total, 'last seq': lastSeq, repeated, misplaced: misplaced.length });
  });
});
