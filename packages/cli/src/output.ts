import { colourEnabled, paint, type Style } from './colour.js';

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

/** Colour of a status cell (doctor, restore). */
const STATUS_STYLE: Readonly<Record<string, Style>> = { ok: 'green', WARN: 'yellow', FAULT: 'red', MISMATCH: 'red' };

/**
 * Output to stdout (notes to stderr, so stdout stays data). Tables get a bold header and coloured
 * status cells on a terminal only, and never with `NO_COLOR` set.
 */
export function makeOutput(
  json: boolean,
  write: (text: string) => void = (t) => process.stdout.write(t),
  colour = !json && colourEnabled(process.stdout),
): Output {
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
      // Padding is computed on the plain text; colour wraps the padded cell.
      const line = (parts: string[], style?: (text: string, i: number) => string): string =>
        `${parts
          .map((p, i) => {
            const padded = p.padEnd(widths[i] as number);
            return style ? style(padded, i) : padded;
          })
          .join('  ')
          .trimEnd()}\n`;
      write(
        line(
          cols.map((c) => c.toUpperCase()),
          (text) => paint(text, 'bold', colour),
        ),
      );
      const statusAt = cols.indexOf('status');
      for (const row of cells) {
        write(
          line(row, (text, i) => {
            const style = i === statusAt ? STATUS_STYLE[text.trim()] : undefined;
            return style ? paint(text, style, colour) : text;
          }),
        );
      }
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

/** An error as the CLI reports it: its code (a StoreError code, or `USAGE`), one-line message and exit code. */
export interface DescribedError {
  readonly code: string;
  readonly message: string;
  /** `error CODE: message`. */
  readonly line: string;
  readonly exitCode: number;
}

/**
 * Whether `err` is a StoreError, by its shape: this module must not import @agentstore/core, so that
 * `--help` loads nothing but commander (core is imported by the command that runs).
 */
function isStoreError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && err.name === 'StoreError' && typeof (err as { code?: unknown }).code === 'string';
}

/** The one line an error prints, `error CODE: message`, and the exit code it gets. */
export function describeError(err: unknown): DescribedError {
  const described = (code: string, message: string, exitCode: number): DescribedError => ({
    code,
    message: oneLine(message),
    line: `error ${code}: ${oneLine(message)}`,
    exitCode,
  });
  if (err instanceof UsageError) return described('USAGE', err.message, EXIT.usage);
  if (isStoreError(err)) return described(err.code, err.message, EXIT.error);
  return described('IO', err instanceof Error ? err.message : String(err), EXIT.error);
}

/**
 * Prints an error on stderr: `error CODE: message` (the code in red on a terminal), or with `--json`
 * one line of JSON, `{"error":{"code":…,"message":…}}`, so a script reads it like any other output.
 */
export function printError(error: Pick<DescribedError, 'code' | 'message'>, json: boolean): void {
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
    return;
  }
  const colour = colourEnabled(process.stderr);
  process.stderr.write(`${paint(`error ${error.code}:`, 'red', colour)} ${error.message}\n`);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
