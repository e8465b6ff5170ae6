import { createHash } from 'node:crypto';
import { DOMAIN_NAME_PATTERN, StoreError } from '@agentstore/core/spi';
import { isSystemSchema, SCHEMA_PATTERN } from './options.js';

// Core validates domain names already; this module builds SQL from them, so it checks again.

/** Prefix of every domain table's name. */
export const TABLE_PREFIX = 'd_';

/** PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_BYTES = 63;

/** `name` as a quoted SQL identifier, after asserting it is one PostgreSQL keeps as written. */
export function quoteIdent(name: string): string {
  // Only [a-z0-9_] reaches here, so the quotes never need escaping; the check keeps it that way.
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
    throw new StoreError('INVALID_DOMAIN', `postgres: ${JSON.stringify(name)} is not a safe identifier`);
  }
  return `"${name}"`;
}

/** The quoted schema identifier. */
export function quoteSchema(schema: string): string {
  if (!SCHEMA_PATTERN.test(schema) || isSystemSchema(schema)) {
    throw new StoreError('INVALID_OPTIONS', `postgres: invalid schema ${JSON.stringify(schema)}`);
  }
  return quoteIdent(schema);
}

/** The (unquoted) table name of `domain`, after asserting the domain-name pattern. */
export function tableNameOf(domain: string): string {
  if (!DOMAIN_NAME_PATTERN.test(domain)) {
    throw new StoreError('INVALID_DOMAIN', `postgres: invalid domain name ${JSON.stringify(domain)}`);
  }
  const name = TABLE_PREFIX + domain;
  // 2 + 48 = 50 bytes: well below the 63 at which PostgreSQL would silently truncate (and collide).
  if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) throw new StoreError('INVALID_DOMAIN', `postgres: table name ${name} too long`);
  return name;
}

/** The domain a table name holds, or undefined for tables that are not domain tables. */
export function domainOfTable(table: string): string | undefined {
  if (!table.startsWith(TABLE_PREFIX)) return undefined;
  const domain = table.slice(TABLE_PREFIX.length);
  return DOMAIN_NAME_PATTERN.test(domain) ? domain : undefined;
}

/**
 * A signed 64-bit advisory-lock key for `purpose` in `schema`, as a decimal SQL literal. Advisory
 * locks are database-wide, so the schema is part of the hashed text.
 */
export function lockKey(schema: string, purpose: string): string {
  const digest = createHash('sha256').update(`agentstore\0${schema}\0${purpose}`).digest();
  return digest.readBigInt64BE(0).toString();
}
