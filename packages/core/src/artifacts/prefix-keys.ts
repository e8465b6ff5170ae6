import { createHash, type Hash } from 'node:crypto';
import type { TokenIds } from './types.js';

/**
 * Keys of token-sequence prefixes. The key of `tokens` under `namespace` is `'tok:'` followed by the
 * lowercase hex SHA-256 of:
 *
 *   u32le(byteLength(utf8(namespace))) ++ utf8(namespace) ++ u32le(tokens[0]) ++ … ++ u32le(tokens[n-1])
 *
 * The namespace is length-prefixed so no namespace/token split can collide with another, and caches of
 * different models (different namespaces) never share keys.
 */
export const PREFIX_KEY_TAG = 'tok:';

function seeded(namespace: string): Hash {
  const ns = Buffer.from(namespace, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(ns.byteLength, 0);
  return createHash('sha256').update(len).update(ns);
}

function tokenBytes(tokens: TokenIds, from: number, to: number): Buffer {
  const out = Buffer.alloc((to - from) * 4);
  for (let i = from; i < to; i++) out.writeUInt32LE(tokens[i] as number, (i - from) * 4);
  return out;
}

/** The artifact key of the whole token sequence `tokens` under `namespace` (exported for callers). */
export function prefixKey(tokens: TokenIds, namespace = ''): string {
  return (
    PREFIX_KEY_TAG +
    seeded(namespace)
      .update(tokenBytes(tokens, 0, tokens.length))
      .digest('hex')
  );
}

/**
 * Keys of the prefixes of `tokens` whose lengths are the multiples of `stride` from `minTokens` up to
 * `tokens.length`, longest first. One pass over the tokens: the hash state is copied at each length.
 */
export function stridePrefixKeys(
  tokens: TokenIds,
  stride: number,
  minTokens: number,
  namespace = '',
): Array<{ key: string; length: number }> {
  const out: Array<{ key: string; length: number }> = [];
  const hash = seeded(namespace);
  let at = 0;
  for (let length = stride; length <= tokens.length; length += stride) {
    hash.update(tokenBytes(tokens, at, length));
    at = length;
    if (length >= minTokens) out.push({ key: PREFIX_KEY_TAG + hash.copy().digest('hex'), length });
  }
  return out.reverse();
}
