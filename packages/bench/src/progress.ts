/** A progress line per step on stderr, only when stderr is a terminal (CI logs stay clean). */
export class Progress {
  readonly #tty: boolean;
  readonly #started = Date.now();

  constructor(tty = process.stderr.isTTY === true) {
    this.#tty = tty;
  }

  /** Says what runs now. */
  step(text: string): void {
    if (!this.#tty) return;
    const secs = ((Date.now() - this.#started) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[${secs}s] ${text}\n`);
  }
}
