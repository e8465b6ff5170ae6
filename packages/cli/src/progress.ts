import { Presets, SingleBar } from 'cli-progress';

/** Progress of long work: a bar with rate and ETA on a terminal, nothing otherwise. */
export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

const QUIET: Progress = { update() {}, stop() {} };

/** A progress bar on stderr when it is a terminal (and not `--json`); silent otherwise. */
export function startProgress(label: string, total: number, enabled = true): Progress {
  if (!enabled || !process.stderr.isTTY) return QUIET;
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(Math.max(total, 1), 0, { rate: 0 });
  return {
    update(done, newTotal) {
      if (newTotal !== undefined) bar.setTotal(Math.max(newTotal, 1));
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? Math.round(done / seconds) : 0 });
    },
    stop() {
      bar.stop();
    },
  };
}
