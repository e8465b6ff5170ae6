/** Progress of long work: a bar with rate and ETA on a terminal, a plain line now and then otherwise. */
export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

/** How often the plain (non-terminal) progress prints a line, in milliseconds. */
const PLAIN_EVERY_MS = 2_000;

const QUIET: Progress = { update() {}, stop() {} };

function rateOf(done: number, started: number): number {
  const seconds = (Date.now() - started) / 1000;
  return seconds > 0 ? Math.round(done / seconds) : 0;
}

/**
 * Progress of `label` on stderr (never with `--json`: `enabled` false). A terminal gets a bar with
 * the count, percentage, rate and ETA (`cli-progress`, loaded only then); a pipe or file gets a plain
 * line every 2 s (`export runs: 40000/100000 entries (40%), 21000/s`) and a last one when any was
 * printed, so short runs stay silent. `total` 0 means unknown until an update gives it.
 */
export async function startProgress(label: string, total: number, enabled = true): Promise<Progress> {
  if (!enabled) return QUIET;
  const started = Date.now();
  if (!process.stderr.isTTY) {
    let current = total;
    let done = 0;
    let lastLine = started;
    let printed = false;
    let shown = -1;
    const line = (): void => {
      shown = done;
      const pct = current > 0 ? ` (${Math.min(100, Math.floor((done / current) * 100))}%)` : '';
      process.stderr.write(`${label}: ${done}${current > 0 ? `/${current}` : ''} entries${pct}, ${rateOf(done, started)}/s\n`);
      printed = true;
    };
    return {
      update(n, newTotal) {
        done = n;
        if (newTotal !== undefined) current = newTotal;
        if (Date.now() - lastLine >= PLAIN_EVERY_MS) {
          lastLine = Date.now();
          line();
        }
      },
      stop() {
        // The last count, unless the last line already showed it.
        if (printed && shown !== done) line();
        printed = false;
      },
    };
  }
  const { Presets, SingleBar } = await import('cli-progress');
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0, { rate: 0 });
  let stopped = false;
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) bar.setTotal(Math.max(newTotal, 1));
      bar.update(done, { rate: rateOf(done, started) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
