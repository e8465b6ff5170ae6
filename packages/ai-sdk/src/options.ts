import { StoreError } from '@agentstore/core';
import { assertDomainName } from '@agentstore/core/spi';

/** Throws `INVALID_OPTIONS` unless `options` is an object whose keys are all in `known`. */
export function assertKnownOptions(options: unknown, known: readonly string[], what: string): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new StoreError('INVALID_OPTIONS', `${what} options must be an object`);
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new StoreError('INVALID_OPTIONS', `unknown ${what} option(s): ${unknown.join(', ')}`);
}

/** The domain name given, or `fallback`; checked with agentstore's domain-name rule (`INVALID_DOMAIN`). */
export function domainOption(domain: unknown, fallback: string): string {
  const name = domain ?? fallback;
  assertDomainName(name as string);
  return name as string;
}

/** Throws `INVALID_VALUE` unless `id` is a well-formed string of 1..`max` characters. */
export function assertId(id: unknown, what: string, max = 256): asserts id is string {
  if (typeof id !== 'string' || id.length < 1 || id.length > max || !id.isWellFormed())
    throw new StoreError('INVALID_VALUE', `a ${what} is a well-formed string of 1 to ${max} characters`);
}

/** Throws `INVALID_VALUE` unless `n` is a non-negative safe integer (or undefined). */
export function assertCountOption(n: unknown, what: string): asserts n is number | undefined {
  if (n !== undefined && (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0))
    throw new StoreError('INVALID_VALUE', `${what} must be a non-negative integer`);
}
