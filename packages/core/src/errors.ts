/** Stable error codes: part of the API (messages are not). */
export const ERROR_CODES = [
  'INVALID_DOMAIN',
  'INVALID_ADAPTER',
  'INVALID_OPTIONS',
  'INVALID_KEY',
  'INVALID_VALUE',
  'VALUE_TOO_LARGE',
  'WRONG_KIND',
  'CONFLICT',
  'MOVED',
  'CLOSED',
  'LOCKED',
  'BUSY',
  'DECODE',
  'CORRUPT',
  'UNSUPPORTED',
  'IO',
  'NOT_FOUND',
] as const;

/** One of the stable error codes every agentstore error carries. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A problem reported by a zod schema, attached to `INVALID_OPTIONS` errors. */
export interface OptionIssue {
  readonly path: ReadonlyArray<PropertyKey>;
  readonly message: string;
  readonly code?: string;
}

/** The one error class agentstore throws; branch on `code`, never on `message`. */
export class StoreError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** zod issues, for `INVALID_OPTIONS`. */
  readonly issues?: ReadonlyArray<OptionIssue>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; issues?: ReadonlyArray<OptionIssue> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
    if (options.issues) this.issues = options.issues;
  }
}

/** True when `err` is a StoreError, optionally with the given code. */
export function isStoreError(err: unknown, code?: ErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}
