/**
 * The line protocol between the parent (a vitest worker) and its children: one JSON object per line,
 * each with a type tag `t`. Children write to stdout only after the call they report on resolved,
 * with blocking writes (`child-runtime.ts`), so a complete line is an acknowledgement.
 */
export interface Message {
  readonly t: string;
  readonly [field: string]: unknown;
}

/** What a child reports before it exits on an error. */
export interface ErrorMessage extends Message {
  readonly t: 'error';
  readonly code?: string;
  readonly message: string;
  readonly stack?: string;
}

/** Serializes a message as one protocol line. */
export function encodeLine(message: Message): string {
  return `${JSON.stringify(message)}\n`;
}

/** Parses a protocol line; a line that is not a JSON object becomes `{ t: 'raw', line }`. */
export function decodeLine(line: string): Message {
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { t?: unknown }).t === 'string') {
      return parsed as Message;
    }
  } catch {
    // fall through: not protocol output (a library printing to stdout, say)
  }
  return { t: 'raw', line };
}
