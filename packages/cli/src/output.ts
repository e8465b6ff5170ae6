import { isStoreError } from '@agentstore/core';

/** Exit codes (documented in the README). */
export const EXIT = {
  ok: 0,
  /** A store error or any other failure of the command. */
  error: 1,
  /** Bad arguments or an unknown command. */
  usage: 2,
  /** `doctor` found at least one fault. */
  faults: 3,
} as const;

/** An error about how the command was called (exit code 2). */
export class UsageError extends Error {}

/** Where command output goes; `json` selects machine-readable output. */
export interface Output {
  readonly json: boolean;
  /** Prints rows as a table, or as a JSON array with `--json`. */
  table(rows: ReadonlyArray<Record<string, unknown>>, columns?: readonly string[]): void;
  /** Prints one object: `key: value` lines, or JSON with `--json`. */
  object(value: Record<string, unknown>): void;
  /** A line of text for people; nothing with `--json`. */
  note(text: string): void;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Output to stdout (notes to stderr, so stdout stays data). */
export function makeOutput(json: boolean, write: (text: string) => void = (t) => process.stdout.write(t)): Output {
  return {
    json,
    table(rows, columns) {
      if (json) {
        write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
      if (rows.length === 0) {
        write('(none)\n');
        return;
      }
      const cells = rows.map((r) => cols.map((c) => cell(r[c])));
      const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
      const line = (parts: string[]): string =>
        `${parts
          .map((p, i) => p.padEnd(widths[i] as number))
          .join('  ')
          .trimEnd()}\n`;
      write(line(cols.map((c) => c.toUpperCase())));
      for (const row of cells) write(line(row));
    },
    object(value) {
      if (json) {
        write(`${JSON.stringify(value, null, 2)}\n`);
        return;
      }
      const width = Math.max(...Object.keys(value).map((k) => k.length));
      for (const [k, v] of Object.entries(value)) write(`${`${k}:`.padEnd(width + 2)}${cell(v)}\n`);
    },
    note(text) {
      if (!json) process.stderr.write(`${text}\n`);
    },
  };
}

/** The one line an error prints, `error CODE: message`, and the exit code it gets. */
export function describeError(err: unknown): { line: string; exitCode: number } {
  if (err instanceof UsageError) return { line: `error USAGE: ${err.message}`, exitCode: EXIT.usage };
  if (isStoreError(err)) return { line: `error ${err.code}: ${oneLine(err.message)}`, exitCode: EXIT.error };
  const message = err instanceof Error ? err.message : String(err);
  return { line: `error IO: ${oneLine(message)}`, exitCode: EXIT.error };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
