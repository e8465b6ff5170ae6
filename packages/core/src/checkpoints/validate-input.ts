import { StoreError } from '../errors.js';
import type { Json } from '../types.js';

const MAX_JSON_DEPTH = 100;

/** Throws `INVALID_VALUE` unless `trace` is a string of 1..256 characters. */
export function assertTraceId(trace: unknown): asserts trace is string {
  if (typeof trace !== 'string' || trace.length < 1 || trace.length > 256 || !trace.isWellFormed()) {
    throw new StoreError('INVALID_VALUE', 'a trace id is a well-formed string of 1 to 256 characters');
  }
}

/** Throws `INVALID_VALUE` unless `id` looks like a checkpoint id (a string of 1..256 characters). */
export function assertCheckpointId(id: unknown, what = 'checkpoint id'): asserts id is string {
  if (typeof id !== 'string' || id.length < 1 || id.length > 256 || !id.isWellFormed()) {
    throw new StoreError('INVALID_VALUE', `a ${what} is a well-formed string of 1 to 256 characters`);
  }
}

/** Throws `INVALID_VALUE` unless `n` is a non-negative safe integer. */
export function assertCount(n: unknown, what: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new StoreError('INVALID_VALUE', `${what} must be a non-negative integer`);
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkJson(value: unknown, path: string, depth: number): void {
  if (depth > MAX_JSON_DEPTH) throw new StoreError('INVALID_VALUE', `metadata nests deeper than ${MAX_JSON_DEPTH} at ${path}`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new StoreError('INVALID_VALUE', `metadata at ${path} is not a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkJson(value[i], `${path}[${i}]`, depth + 1);
    return;
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) checkJson(v, `${path}.${k}`, depth + 1);
    return;
  }
  throw new StoreError('INVALID_VALUE', `metadata at ${path} is not JSON data (${typeof value})`);
}

/** Validates a JSON object (metadata, filters) and returns its JSON text. */
export function jsonObjectText(value: unknown, what: string): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !isPlainObject(value)) {
    throw new StoreError('INVALID_VALUE', `${what} must be a plain JSON object`);
  }
  checkJson(value, '$', 0);
  return JSON.stringify(value);
}

/** Deep equality of JSON values (object key order does not matter). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}
