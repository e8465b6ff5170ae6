import { StoreError } from './errors.js';

/** Valid domain names: they become table names, sub-database names and key prefixes. */
export const DOMAIN_NAME_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

/** Throws `INVALID_DOMAIN` unless `domain` matches {@link DOMAIN_NAME_PATTERN}. */
export function assertDomainName(domain: unknown): asserts domain is string {
  if (typeof domain !== 'string' || !DOMAIN_NAME_PATTERN.test(domain)) {
    const shown = typeof domain === 'string' ? JSON.stringify(domain.slice(0, 64)) : typeof domain;
    throw new StoreError('INVALID_DOMAIN', `invalid domain name ${shown}: expected ${DOMAIN_NAME_PATTERN}`);
  }
}
