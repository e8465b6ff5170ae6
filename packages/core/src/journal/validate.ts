import { StoreError } from '../errors.js';

/** Throws `INVALID_VALUE` unless `name` is a well-formed string of 1..256 characters. */
export function assertName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || name.length < 1 || name.length > 256 || !name.isWellFormed()) {
    throw new StoreError('INVALID_VALUE', `a ${what} is a well-formed string of 1 to 256 characters`);
  }
}

/** Throws `INVALID_VALUE` unless `t` is a finite number (epoch milliseconds). */
export function assertTime(t: unknown, what: string): asserts t is number {
  if (typeof t !== 'number' || !Number.isFinite(t))
    throw new StoreError('INVALID_VALUE', `${what} must be a finite number of epoch milliseconds`);
}

/** Throws `INVALID_VALUE` unless `options` is undefined or an object (not an array). */
export function assertOptions(options: unknown, what: string): void {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new StoreError('INVALID_VALUE', `${what} options must be an object`);
  }
}
