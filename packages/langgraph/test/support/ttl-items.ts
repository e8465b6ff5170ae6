import type { Store } from '@agentstore/core';
import { AgentstoreStore } from '../../src/index.js';
import { crashValue } from './crash-values.js';
import { DIMS, embedText } from './embeddings.js';

/** The item TTL sweep crash test's store: indexed, items living an hour by default, reads never refreshing. */
export function ttlItems(store: Store, clock: () => number = Date.now): AgentstoreStore {
  return new AgentstoreStore(store, {
    index: { dims: DIMS, embed: async (texts: string[]) => texts.map(embedText), fields: ['t', 'extra[*]'] },
    ttl: { defaultTtl: 60, refreshOnRead: false },
    clock,
  });
}

/** The vectors domain `ttlItems` writes, opened for counting. */
export const itemVectors = (store: Store) => store.vectors('langgraph_store_vectors', { dims: DIMS, metric: 'cosine' });

/** Puts items `key(i)` = crashValue(i) for i in [first, first + count), in batches of 100 (`ttl`: minutes, null: none). */
export async function putItems(
  items: AgentstoreStore,
  key: (i: number) => string,
  first: number,
  count: number,
  ttl?: number | null,
): Promise<void> {
  for (let i = first; i < first + count; i += 100) {
    const ops = [];
    for (let j = i; j < Math.min(first + count, i + 100); j++) {
      const { value, index } = crashValue(j);
      ops.push({
        namespace: ['c'],
        key: key(j),
        value,
        ...(index === false ? { index } : {}),
        ...(ttl === undefined ? {} : { options: { ttl } }),
      });
    }
    await items.batch(ops);
  }
}
