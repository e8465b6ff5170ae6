import { afterEach, describe, expect, it, vi } from 'vitest';
import { startProgress } from '../src/progress.js';

// Progress off a terminal (a pipe, a CI log): a plain line every 2 s with the real total and the rate,
// a last line when any was printed, nothing for short runs, nothing with --json.
describe('progress off a terminal', () => {
  const tty = process.stderr.isTTY;
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    process.stderr.isTTY = tty;
  });

  function capture(): string[] {
    const lines: string[] = [];
    process.stderr.isTTY = false;
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    return lines;
  }

  it('prints the count, the total, the percentage and the rate every 2 s, and a last line', async () => {
    const lines = capture();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0);
    const progress = await startProgress('export runs', 10_000);
    progress.update(1_000);
    expect(lines).toEqual([]);
    vi.setSystemTime(2_500);
    progress.update(5_000);
    vi.setSystemTime(3_000);
    progress.update(6_000); // less than 2 s after the last line: silent
    vi.setSystemTime(4_000);
    progress.update(8_000);
    progress.stop();
    expect(lines).toEqual(['export runs: 5000/10000 entries (50%), 2000/s\n', 'export runs: 8000/10000 entries (80%), 2000/s\n']);
  });

  it('stays silent for a short run, and when disabled (--json)', async () => {
    const lines = capture();
    const quick = await startProgress('import x', 100);
    quick.update(100);
    quick.stop();
    const off = await startProgress('export y', 100, false);
    off.update(50);
    off.stop();
    expect(lines).toEqual([]);
  });
});
